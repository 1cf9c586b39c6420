"""Pages for everyone: the chat page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from .. import knowledge_service
from ..db import get_db
from ..replies import quick_topics

bp = Blueprint("public", __name__)


@bp.get("/")
def chat_page():
    knowledge = knowledge_service.current()
    return render_template("chat.html", office=knowledge.office, topics=quick_topics(knowledge))


@bp.get("/healthz")
def healthz():
    """200 while the knowledge and the database are usable; `warnings` names a broken knowledge edit."""
    store = knowledge_service.store()
    knowledge = store.get()
    get_db().execute("select 1").fetchone()
    body = {"status": "ok", "items": len(knowledge.items)}
    if store.warnings:
        body["warnings"] = store.warnings
    return jsonify(body)
