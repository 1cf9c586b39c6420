"""The app's knowledge: one `KnowledgeStore` per process, reloaded when an administrator edits a file.

Every state of the files is a version in the app's database (`knowledge_versions`): each worker
records a hand edit it notices, reports the version it serves (`/healthz` `knowledge_version`), and
serves the database's last good version while the files are broken, so all workers agree.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app

from . import db
from .knowledge import Knowledge, KnowledgeStore
from .knowledge_versions import VersionLog
from .matcher import build_index
from .settings import Thresholds, configured_today


def init_app(app: Flask) -> None:
    """Load and index the knowledge at start-up, so the first question is as fast as the rest.

    A broken knowledge base at start-up stops the app with the list of problems: there is no
    earlier good version to fall back on, in the files or in the database (`assistant kb check` shows
    them as PATH:LINE).
    """
    path, folder = app.config["DB"], app.config["KNOWLEDGE"]
    versions = VersionLog(lambda: db.connection(path), folder)
    store = KnowledgeStore(folder, interval=app.config["KNOWLEDGE_RELOAD_SECONDS"], versions=versions)
    build_index(store.get())
    app.extensions["knowledge"] = store


def store() -> KnowledgeStore:
    return current_app.extensions["knowledge"]


def refresh() -> Knowledge:
    """After this process wrote a knowledge file (`knowledge_edit`): serve it now, whatever the
    reload interval; the other workers notice the change within `KNOWLEDGE_RELOAD_SECONDS`."""
    return store().refresh()


def current() -> Knowledge:
    """The knowledge to answer this request with (reloaded if a file changed)."""
    return store().get()


def today() -> date | None:
    """The configured `TODAY` (demonstrations and tests), else None: Shanghai's real today."""
    return configured_today(current_app.config)


def thresholds() -> Thresholds:
    """The matcher's thresholds as this app is configured (read per request: tests change them)."""
    return Thresholds.from_config(current_app.config)
