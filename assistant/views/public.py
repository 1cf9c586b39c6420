"""Pages for everyone: the chat page, the privacy notice and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from .. import health, knowledge_service
from ..api_models import Health
from ..replies import quick_topics
from ..security import embeddable
from ..web_db import get_db

bp = Blueprint("public", __name__)


@bp.get("/")
@embeddable
def chat_page():
    """The applicant chat; the office's website may frame it (EMBED_ORIGINS, static/widget.js).

    The page has one entry point for the case look-up (查询办件进度), so a quick topic whose item
    only offers that look-up is left out rather than shown as a second button that does the same.
    """
    knowledge = knowledge_service.current()
    topics = [
        t for t in quick_topics(knowledge) if "case_lookup" not in knowledge.items[t["item_id"]].actions
    ]
    return render_template("chat.html", office=knowledge.office, topics=topics)


@bp.get("/privacy")
@embeddable
def privacy_notice():
    """What the assistant stores about a visitor, who sees it and how numbers are masked."""
    knowledge = knowledge_service.current()
    return render_template("privacy.html", office=knowledge.office)


@bp.get("/healthz")
def healthz():
    """200 while the knowledge and the database are usable; `warnings` names a broken knowledge edit.

    `knowledge_version` is the version this worker serves (`assistant kb history`): every worker
    names the same one within seconds of a save, and keeps the same last good one after a broken edit.
    A database that can be read but not written (read-only, or a disk nearly full) is not healthy:
    503 with `problems`, so the monitoring notices before the first question is lost.
    """
    store = knowledge_service.store()
    knowledge = store.get()
    get_db()  # opened (and migrated) as every request opens it
    problems = health.database_problems(current_app.config["DB"], current_app.config["MIN_FREE_MB"])
    body = Health(
        status="degraded" if problems else "ok",
        items=len(knowledge.items),
        knowledge_version=store.version,
        problems=problems,
        warnings=store.warnings,
    )
    return jsonify(body.body()), 503 if problems else 200
