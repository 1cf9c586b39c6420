"""The public JSON API: chat, topics, case look-up and pre-review. Errors are `{"error": "..."}`."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import chat, knowledge_service
from ..db import get_db
from ..errors import BadRequest
from ..replies import quick_topics

bp = Blueprint("api", __name__, url_prefix="/api")


def json_body() -> dict:
    """The request's JSON object, or `BadRequest` in Chinese for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("请求内容应当是 JSON 对象，例如 {\"message\": \"结建审批要多久？\"}。")
    return data


def client_address() -> str:
    """The caller's address; `X-Forwarded-For` is trusted only behind a configured proxy."""
    from flask import current_app

    if current_app.config.get("BEHIND_PROXY"):
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.remote_addr or "unknown"


@bp.post("/chat")
def chat_message():
    data = json_body()
    knowledge = knowledge_service.current()
    reply, conversation_id = chat.turn(
        get_db(),
        knowledge,
        data.get("message"),
        data.get("conversation_id"),
        knowledge_service.thresholds(),
        client=client_address(),
    )
    return jsonify({"conversation_id": conversation_id, **reply.as_json()})


@bp.get("/topics")
def topics():
    """Quick-topic buttons for the chat page."""
    return jsonify({"topics": quick_topics(knowledge_service.current())})
