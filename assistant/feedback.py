"""有帮助 / 没帮助: what the people who asked think of the chat's answers, per item and entry.

A vote is about the conversation's last reply that was not small talk (a 谢谢 after an answer does
not take the vote away from the answer). The question log already says which item and entry gave
that reply (chat.py stores both), so the vote is stored with them and the dashboard can show, per
item, the share of votes that found it helpful; an unhelpful vote puts its question on the list of
what to fix next (gaps.py). One vote per answer: voting again on the same answer replaces the
earlier vote (the page lets people change their mind), which the API answers with 200 instead of 201.

The optional reason is free text and is stored through `mask_text`. Votes per client are counted in
the database (every gunicorn worker applies the same limit) in the same write transaction as the
vote, kept apart from the votes and forgotten once the window has passed. Pure: no Flask, no request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from .db import immediate
from .errors import BadRequest, NotFound, TooManyRequests
from .knowledge import Knowledge
from .privacy import mask_text

MAX_REASON_CHARS = 500
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # as conversation.new_id issues them


@dataclass(frozen=True)
class Limits:
    """At most `per_client` votes (new or changed) from one client address within `window`.

    Generous for a person rating every answer of a long conversation, even behind one office NAT,
    and still small enough that a script cannot bury the real votes.
    """

    per_client: int = 60
    window: timedelta = timedelta(hours=1)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Vote:
    """A vote as checked and ready to store: the reason masked."""

    conversation_id: str
    helpful: bool
    reason: str | None


def check(conversation_id: object, helpful: object, reason: object = None) -> Vote:
    """What the page sent, checked; the first problem raises `BadRequest` with a Chinese message.

    `helpful` must be a JSON boolean: "false" or 0 would be read as a vote the person never gave.
    """
    if conversation_id is None or conversation_id == "":
        raise BadRequest("缺少对话编号（conversation_id），请在对话中点选“有帮助”或“没帮助”。")
    if not isinstance(conversation_id, str) or not _CONVERSATION_ID.match(conversation_id):
        raise BadRequest("“conversation_id”不是有效的对话编号。")
    if not isinstance(helpful, bool):
        raise BadRequest("“helpful”应当是 true（有帮助）或 false（没帮助）。")
    text = None
    if reason is not None:
        if not isinstance(reason, str):
            raise BadRequest("“reason”应当是一段文字。")
        text = reason.strip() or None
        if text and len(text) > MAX_REASON_CHARS:
            raise BadRequest(f"原因写得太长了（{len(text)}字），请精简到{MAX_REASON_CHARS}字以内。")
    return Vote(conversation_id, helpful, mask_text(text) if text else None)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _last_answer(db: sqlite_utils.Database, conversation_id: str) -> dict:
    """The question row of the conversation's last reply that was not small talk; `NotFound` if none."""
    row = next(
        db.query(
            "select id, kind, item_id, entry_id from questions where conversation_id = ? "
            "and kind is not null and kind != 'smalltalk' order by id desc limit 1",
            [conversation_id],
        ),
        None,
    )
    if row is not None:
        return row
    if db.execute("select 1 from questions where conversation_id = ? limit 1", [conversation_id]).fetchone():
        raise NotFound("这段对话里还没有可以评价的回答。")
    raise NotFound("没有找到这段对话，可能已经过期。请重新提问后再评价。")


def record(
    db: sqlite_utils.Database,
    vote: Vote,
    client: str,
    limits: Limits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> bool:
    """Store the vote on the conversation's last answer; True for a new vote, False when it replaced one.

    Raises `NotFound` for a conversation that asked nothing (or only small talk), and
    `TooManyRequests` when `client` has voted `limits.per_client` times within `limits.window`.
    """
    now = now or datetime.now(UTC)
    since = _iso(now - limits.window)
    with immediate(db):  # the count read inside stays true
        answer = _last_answer(db, vote.conversation_id)
        db.execute("delete from feedback_submissions where at < ?", [since])
        made = db.execute(
            "select count(*) from feedback_submissions where client = ? and at >= ?", [client, since]
        ).fetchone()[0]
        if made >= limits.per_client:
            raise TooManyRequests("您提交评价的次数太多了，请稍后再试。感谢您的反馈！")
        db.execute("insert into feedback_submissions (client, at) values (?, ?)", [client, _iso(now)])
        existing = db.execute("select id from feedback where question_id = ?", [answer["id"]]).fetchone()
        values = [_iso(now), int(vote.helpful), vote.reason]
        if existing:
            db.execute("update feedback set at = ?, helpful = ?, reason = ? where id = ?", [*values, existing[0]])
        else:
            db.execute(
                "insert into feedback (at, helpful, reason, question_id, conversation_id, kind, item_id, entry_id) "
                "values (?, ?, ?, ?, ?, ?, ?, ?)",
                [*values, answer["id"], vote.conversation_id, answer["kind"], answer["item_id"], answer["entry_id"]],
            )
    return existing is None


# ---------------------------------------------------------------- what the dashboard shows


@dataclass(frozen=True)
class ItemFeedback:
    """The votes on one item's answers: how many found them helpful."""

    item_id: str
    name: str
    helpful: int
    unhelpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.unhelpful

    @property
    def percent(self) -> float:
        """The helpful share, 0–100."""
        return 100.0 * self.helpful / self.total if self.total else 0.0


def per_item(
    db: sqlite_utils.Database, knowledge: Knowledge, days: int = 30, now: datetime | None = None
) -> list[ItemFeedback]:
    """Votes of the last `days` days on answers from an item, most voted first (items without votes left out).

    Votes on replies that were not from an item (declines, clarifications) are counted by `totals`.
    An item since removed from the knowledge keeps its id as its name.
    """
    since = _iso((now or datetime.now(UTC)) - timedelta(days=days))
    rows = db.execute(
        "select item_id, sum(helpful), sum(1 - helpful) from feedback "
        "where at >= ? and item_id is not null group by item_id",
        [since],
    ).fetchall()
    found = [
        ItemFeedback(
            item_id,
            knowledge.items[item_id].short_name if item_id in knowledge.items else item_id,
            helpful,
            unhelpful,
        )
        for item_id, helpful, unhelpful in rows
    ]
    return sorted(found, key=lambda f: (-f.total, f.percent, f.item_id))


def totals(db: sqlite_utils.Database, days: int = 30, now: datetime | None = None) -> tuple[int, int]:
    """(helpful, unhelpful) votes of the last `days` days, on every kind of reply."""
    since = _iso((now or datetime.now(UTC)) - timedelta(days=days))
    helpful, unhelpful = db.execute(
        "select coalesce(sum(helpful), 0), coalesce(sum(1 - helpful), 0) from feedback where at >= ?", [since]
    ).fetchone()
    return helpful, unhelpful


def unhelpful_questions(db: sqlite_utils.Database, since: str) -> dict[int, str | None]:
    """Question ids rated 没帮助 since the ISO time `since`, with the (masked) reason given."""
    rows = db.execute("select question_id, reason from feedback where helpful = 0 and at >= ?", [since])
    return dict(rows.fetchall())
