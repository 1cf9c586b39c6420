"""The app's knowledge: one `KnowledgeStore` per process, reloaded when an administrator edits a file."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app

from .chat import Thresholds
from .knowledge import Knowledge, KnowledgeStore
from .matcher import build_index
from .settings import configured_today


def init_app(app: Flask) -> None:
    """Load and index the knowledge at start-up, so the first question is as fast as the rest.

    A broken knowledge base at start-up stops the app with the list of problems: there is no
    earlier good version to fall back on (`assistant kb check` shows them as PATH:LINE).
    """
    store = KnowledgeStore(app.config["KNOWLEDGE"], interval=app.config["KNOWLEDGE_RELOAD_SECONDS"])
    build_index(store.get())
    app.extensions["knowledge"] = store


def store() -> KnowledgeStore:
    return current_app.extensions["knowledge"]


def current() -> Knowledge:
    """The knowledge to answer this request with (reloaded if a file changed)."""
    return store().get()


def today() -> date | None:
    """The configured `TODAY` (demonstrations and tests), else None: Shanghai's real today."""
    return configured_today(current_app.config)


def thresholds() -> Thresholds:
    config = current_app.config
    return Thresholds(
        answer=config["ANSWER_THRESHOLD"],
        decline=config["DECLINE_THRESHOLD"],
        clarify_margin=config["CLARIFY_MARGIN"],
        max_chars=config["MAX_MESSAGE_CHARS"],
    )
