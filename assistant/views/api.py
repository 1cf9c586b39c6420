"""The public JSON API: chat, topics, case look-up, pre-review, callback requests. Errors are `{"error": "..."}`.

Each view sends a response model of `api_models` (the shapes `/api/openapi.json` documents)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import callbacks, cases, chat, feedback, knowledge_service, openapi, prereview
from ..api_models import CallbackCreated, Case, ChatReply, Checklist, FeedbackSaved, PreReviewResult, Topics
from ..errors import BadRequest, TooManyRequests
from ..ratelimit import SlidingWindow
from ..replies import quick_topics
from ..settings import LookupLimits
from ..web_db import get_db

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.record_once
def _chat_limit(state) -> None:
    """Each worker's sliding window of questions per client (ratelimit.py says why in memory)."""
    state.app.extensions["chat_limit"] = SlidingWindow(state.app.config["CHAT_PER_MINUTE"], 60)


def json_body() -> dict:
    """The request's JSON object, or `BadRequest` in Chinese for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("请求内容应当是 JSON 对象，例如 {\"message\": \"结建审批要多久？\"}。")
    if _has_lone_surrogate(data):  # JSON may escape them (\ud800); no database can store them
        raise BadRequest("内容里有无法识别的字符，请重新输入。")
    return data


def _has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def client_address() -> str:
    """The caller's address; `X-Forwarded-For` is trusted only behind a configured proxy."""
    if current_app.config.get("BEHIND_PROXY"):
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.remote_addr or "unknown"


@bp.post("/chat")
def chat_message():
    wait = current_app.extensions["chat_limit"].hit(client_address())
    if wait:
        raise TooManyRequests(f"提问太频繁了，请{wait}秒后再试。", retry_after=wait)
    data = json_body()
    knowledge = knowledge_service.current()
    reply, conversation_id = chat.turn(
        get_db(),
        knowledge,
        data.get("message"),
        data.get("conversation_id"),
        knowledge_service.thresholds(),
        client=client_address(),
        limits=lookup_limits(),
        today=knowledge_service.today(),
    )
    return jsonify(ChatReply.from_reply(conversation_id, reply).body())


@bp.get("/topics")
def topics():
    """Quick-topic buttons for the chat page."""
    return jsonify(Topics(topics=quick_topics(knowledge_service.current())).body())


def lookup_limits() -> LookupLimits:
    return LookupLimits.from_config(current_app.config)


@bp.post("/cases/lookup")
def case_lookup():
    """An applicant's own case: case number plus the last four digits of the contact phone."""
    data = json_body()
    view = cases.lookup(
        get_db(),
        knowledge_service.current(),
        data.get("case_no"),
        data.get("phone_last4"),
        client=client_address(),
        limits=lookup_limits(),
    )
    return jsonify(Case.from_view(view).body())


@bp.get("/items/<item_id>/materials")
def item_materials(item_id: str):
    """The pre-review checklist of an item: its materials, numbered."""
    return jsonify(Checklist.of(prereview.checklist_item(knowledge_service.current(), item_id)).body())


@bp.post("/prereview")
def prereview_check():
    """Pre-review: `{"item_id", "have": [material ids]}` → what is still missing."""
    data = json_body()
    review = prereview.review(knowledge_service.current(), data.get("item_id"), data.get("have"))
    return jsonify(PreReviewResult.of(review).body())


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of this API (and of `/healthz`)."""
    return jsonify(openapi.spec())


@bp.post("/callbacks")
def callback_request():
    """A callback request (转人工 / 留言): 201 `{"reference"}`; 400 without consent or with a bad phone;
    429 when this client has asked too often."""
    data = json_body()
    submission = callbacks.check(
        data.get("name"),
        data.get("phone"),
        data.get("question"),
        data.get("consent"),
        preferred_time=data.get("preferred_time"),
        conversation_id=data.get("conversation_id"),
    )
    reference = callbacks.create(get_db(), submission, client=client_address())
    return jsonify(CallbackCreated(reference=reference).body()), 201


@bp.post("/feedback")
def feedback_vote():
    """有帮助 / 没帮助 on the conversation's last answer: 201 `{"ok": true}` for a new vote, 200 when it
    replaces this answer's earlier vote; 400 for bad input, 404 for an unknown conversation, 429 when
    this client has voted too often."""
    data = json_body()
    vote = feedback.check(data.get("conversation_id"), data.get("helpful"), data.get("reason"))
    created = feedback.record(get_db(), vote, client=client_address())
    return jsonify(FeedbackSaved(ok=True).body()), 201 if created else 200
