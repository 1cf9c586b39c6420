"""One turn of the conversation: check the message, look up a case or a callback request or match the
knowledge, remember.

Shared by `POST /api/chat` and `assistant ask`. Every question is stored, masked, before its reply
is returned (the office's record of what people ask and what went unanswered).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime

import sqlite_utils

from . import callbacks, cases, conversation
from .errors import AssistantError, BadRequest
from .knowledge import Knowledge
from .matcher import match
from .privacy import mask_text
from .replies import Reply, compose
from .settings import LookupLimits, Thresholds

# Four digits however typed (5678, 56 78, 5-6-7-8), and any longer run of digits with separators:
# the digits that prove ownership of a case are found, and hidden in the log, in every spelling.
_DIGITS4 = re.compile(r"(?<![0-9])(\d(?:[ \-.]?\d){3})(?![ \-.]?[0-9])")
_LONG_DIGITS = re.compile(r"\d(?:[ \-.]?\d){3,}")


def check_message(message: object, max_chars: int) -> str:
    """The message as a stripped string; `BadRequest` (in Chinese) when it is not a usable question."""
    if not isinstance(message, str):
        raise BadRequest("“message”应当是一段文字。")
    message = message.strip()
    if not message:
        raise BadRequest("请输入您要咨询的问题。")
    if len(message) > max_chars:
        raise BadRequest(f"问题太长了（{len(message)}字），请精简到{max_chars}字以内，或分几次提问。")
    return message


def answer(
    knowledge: Knowledge,
    message: str,
    thresholds: Thresholds,
    context: conversation.Context | None = None,
    today: date | None = None,
):
    """The reply to one message without touching any database (the `ask` command and the matcher).

    The context keeps the item answered and its alternatives: a follow-up (那要多久？) keeps the
    alternatives of the item it follows, so 不是这个 after it still offers them; after 不是这个 they
    are used up, and a second rejection says how to reach a person.
    """
    context = context or conversation.Context(conversation.new_id())
    decision = match(
        knowledge,
        message,
        answer_threshold=thresholds.answer,
        decline_threshold=thresholds.decline,
        clarify_margin=thresholds.clarify_margin,
        context_item=context.item_id,
        context_candidates=context.candidates,
    )
    reply = compose(knowledge, decision, today)
    if decision.kind == "answer" and decision.followup:
        context = replace(context, item_id=decision.item_id)
    elif decision.kind == "answer":
        others = tuple(c.item_id for c in decision.candidates if c.item_id != decision.item_id)[:3]
        context = replace(context, item_id=decision.item_id, candidates=others)
    elif decision.kind == "clarify" and decision.rejected:
        context = replace(context, candidates=())
    elif decision.kind == "clarify":
        context = replace(context, candidates=tuple(c.item_id for c in decision.candidates))
    return reply, context


def turn(
    db: sqlite_utils.Database,
    knowledge: Knowledge,
    message: object,
    conversation_id: object,
    thresholds: Thresholds,
    client: str = "cli",
    limits: LookupLimits | None = None,
    today: date | None = None,
) -> tuple[Reply, str]:
    """Handle one chat message end to end; returns the reply and the conversation id to send back."""
    text = check_message(message, thresholds.max_chars)
    if conversation_id is not None and not isinstance(conversation_id, str):
        raise BadRequest("“conversation_id”应当是一段文字。")
    context = conversation.load(db, conversation_id)
    about_case = bool(context.pending_case_no or cases.find_case_number(text))
    # The four digits that prove ownership of a case are a credential: never stored.
    logged = mask_text(_mask_case_message(text) if about_case else text)
    reply = None
    try:
        reply, context = (
            _case_turn(db, knowledge, text, context, client, limits)
            or _callback_turn(db, text, context)
            or answer(knowledge, text, thresholds, context, today)
        )
    finally:
        # One transaction: the question (stored even when answering it failed) and the context.
        # The entry that answered is kept with the question, so 有帮助 / 没帮助 (feedback.py) says
        # which text it was, and so are the facts it had to call unknown (the office's to-do list).
        with db.conn:
            db.conn.execute(
                _LOG_QUESTION,
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    context.id,
                    logged,
                    reply.kind if reply else "error",
                    reply.item_id if reply else None,
                    reply.entry_id if reply else None,
                    reply.score if reply else None,
                    " ".join(reply.unknowns) if reply else "",
                ),
            )
            if reply is not None:
                conversation.save(db, context)
    return reply, context.id


_LOG_QUESTION = """
insert into questions (asked_at, conversation_id, question, kind, item_id, entry_id, score, unknowns)
values (?, ?, ?, ?, ?, ?, ?, ?)
"""


def _case_parts(text: str) -> tuple[str | None, str]:
    """The case number in a message (normalised) and the rest of the message, in half-width."""
    text = unicodedata.normalize("NFKC", text)
    case_no = cases.find_case_number(text)
    rest = re.sub(re.escape(case_no), " ", text, flags=re.IGNORECASE) if case_no else text
    return case_no, rest


def _mask_case_message(text: str) -> str:
    """A case message for the log: the case number kept, every other run of 4+ digits hidden."""
    case_no, rest = _case_parts(text)
    masked = _LONG_DIGITS.sub(lambda m: "*" * len(m.group(0)), rest)
    return f"{case_no} {masked.strip()}".strip() if case_no else masked


def _case_turn(db, knowledge: Knowledge, text: str, context: conversation.Context, client: str, limits):
    """A case look-up through the chat: a case number with four digits, or the digits after a number."""
    messages = knowledge.messages
    case_no, rest = _case_parts(text)
    digits = None
    if case_no:
        found = _DIGITS4.search(rest)
        digits = re.sub(r"[^0-9]", "", found.group(1)) if found else None
    elif context.pending_case_no and _DIGITS4.fullmatch(re.sub(r"[^0-9]", "", rest) or "x"):
        case_no, digits = context.pending_case_no, re.sub(r"[^0-9]", "", rest)
    if not case_no:
        return None
    if digits is None:
        reply = Reply("case", messages.case_ask_digits.format(case_no=case_no))
        return reply, replace(context, pending_case_no=case_no)
    context = replace(context, pending_case_no=None)
    try:
        view = cases.lookup(db, knowledge, case_no, digits, client=client, limits=limits)
    except AssistantError as e:
        return Reply("case", e.message, actions=("case_lookup",)), context
    return Reply("case", view.as_text()), replace(context, item_id=view.item_id)


def _callback_turn(db, text: str, context: conversation.Context):
    """The status of a callback request whose reference the message holds (nothing personal), or None.

    Runs after `_case_turn`: a reference has no letter, so it is never a case number, and a message
    with a case number stays a case look-up.
    """
    found = callbacks.chat_reply(db, text)
    return (Reply("case", found), context) if found else None
