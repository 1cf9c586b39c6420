"""Numbers for the administrators' dashboard: what people ask, what went unanswered, where cases stand,
how many people wait for a call back.

Read-only. Questions are stored already masked (chat.py), so the knowledge gaps can be shown as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from .callbacks import count_open
from .cases import STATUSES

KINDS = {
    "answer": "直接回答",
    "clarify": "请用户选择",
    "decline": "婉拒（未能回答）",
    "smalltalk": "寒暄",
    "case": "办件查询",
}


@dataclass(frozen=True)
class Share:
    kind: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class Gap:
    """A question the knowledge base could not answer outright: a candidate for a new example or item."""

    question: str
    count: int
    declined: int
    clarified: int
    last_asked: str


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def _since(now: datetime | None, days: int) -> str:
    return ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="seconds")


def questions_since(db: sqlite_utils.Database, days: int, now: datetime | None = None) -> int:
    """How many questions were asked in the last `days` days."""
    return db.execute("select count(*) from questions where asked_at >= ?", [_since(now, days)]).fetchone()[0]


def shares(db: sqlite_utils.Database, days: int = 30, now: datetime | None = None) -> list[Share]:
    """How the questions of the last `days` days were handled, every kind listed (zeros too)."""
    counts = dict(
        db.execute(
            "select kind, count(*) from questions where asked_at >= ? and kind is not null group by kind",
            [_since(now, days)],
        ).fetchall()
    )
    total = sum(counts.values())
    kinds = list(KINDS) + sorted(k for k in counts if k not in KINDS)
    return [
        Share(k, KINDS.get(k, k), counts.get(k, 0), 100.0 * counts.get(k, 0) / total if total else 0.0)
        for k in kinds
    ]


def knowledge_gaps(
    db: sqlite_utils.Database, days: int = 30, limit: int = 20, now: datetime | None = None
) -> list[Gap]:
    """The most frequent declined or clarified questions of the last `days` days, most asked first."""
    rows = db.query(
        """
        select question, count(*) as count,
               sum(kind = 'decline') as declined, sum(kind = 'clarify') as clarified,
               max(asked_at) as last_asked
        from questions
        where asked_at >= ? and kind in ('decline', 'clarify')
        group by question
        order by count desc, last_asked desc
        limit ?
        """,
        [_since(now, days), limit],
    )
    return [Gap(**row) for row in rows]


def cases_by_status(db: sqlite_utils.Database) -> list[StatusCount]:
    """The number of cases in each status, in the order a case moves through them (zeros too)."""
    counts = dict(db.execute("select status, count(*) from cases group by status").fetchall())
    statuses = list(STATUSES) + sorted(s for s in counts if s not in STATUSES)
    return [StatusCount(s, STATUSES[s].label if s in STATUSES else s, counts.get(s, 0)) for s in statuses]


def open_callbacks(db: sqlite_utils.Database) -> int:
    """Callback requests (转人工 / 留言) not yet closed: people waiting for the office to call them."""
    return count_open(db)
