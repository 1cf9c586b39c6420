"""Numbers for the administrators' dashboard: what people ask, how it was answered, which items,
where cases stand, who waits for a call back.

Read-only. Questions are stored already masked (chat.py), so they can be shown as they are. What to
fix next is `gaps.py`, its one-click fixes `fixes.py`, the audit log's pages `audit.py`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlite_utils

from . import audit
from .callbacks import STATUS_LABELS, count_open
from .cases import STATUSES
from .knowledge import Knowledge
from .workdays import OFFICE_TZ

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
class Count:
    """One bar of a chart: a key, what people read, how many."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def since(now: datetime | None, days: int) -> str:
    return ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="seconds")


def questions_since(db: sqlite_utils.Database, days: int, now: datetime | None = None) -> int:
    """How many questions were asked in the last `days` days."""
    return db.execute("select count(*) from questions where asked_at >= ?", [since(now, days)]).fetchone()[0]


def shares(db: sqlite_utils.Database, days: int = 30, now: datetime | None = None) -> list[Share]:
    """How the questions of the last `days` days were handled, every kind listed (zeros too)."""
    counts = dict(
        db.execute(
            "select kind, count(*) from questions where asked_at >= ? and kind is not null group by kind",
            [since(now, days)],
        ).fetchall()
    )
    total = sum(counts.values())
    kinds = list(KINDS) + sorted(k for k in counts if k not in KINDS)
    return [
        Share(k, KINDS.get(k, k), counts.get(k, 0), 100.0 * counts.get(k, 0) / total if total else 0.0)
        for k in kinds
    ]


def questions_per_day(db: sqlite_utils.Database, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
    """Questions asked on each of the last `days` office days (today included, zeros too), oldest first."""
    today = (now or datetime.now(UTC)).astimezone(OFFICE_TZ).date()
    first = today - timedelta(days=days - 1)
    start = audit.start_of_day(first).isoformat(timespec="seconds")
    counts: Counter[date] = Counter(
        datetime.fromisoformat(at).astimezone(OFFICE_TZ).date()
        for (at,) in db.execute("select asked_at from questions where asked_at >= ?", [start]).fetchall()
    )
    return [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)]


def top_items(
    db: sqlite_utils.Database, knowledge: Knowledge, days: int = 30, limit: int = 10, now: datetime | None = None
) -> list[Count]:
    """The items that answered most questions in the last `days` days, most first."""
    rows = db.execute(
        "select item_id, count(*) as n from questions where asked_at >= ? and kind = 'answer' "
        "and item_id is not null group by item_id order by n desc, item_id limit ?",
        [since(now, days), limit],
    ).fetchall()
    return [Count(i, item_name(knowledge, i), n) for i, n in rows]


def callbacks_by_status(db: sqlite_utils.Database, days: int = 30, now: datetime | None = None) -> list[Count]:
    """Callback requests made in the last `days` days, per status (zeros too)."""
    found = dict(
        db.execute(
            "select status, count(*) from callbacks where created_at >= ? group by status", [since(now, days)]
        ).fetchall()
    )
    return [Count(s, label, found.get(s, 0)) for s, label in STATUS_LABELS.items()]


def cases_by_status(db: sqlite_utils.Database) -> list[StatusCount]:
    """The number of cases in each status, in the order a case moves through them (zeros too)."""
    counts = dict(db.execute("select status, count(*) from cases group by status").fetchall())
    statuses = list(STATUSES) + sorted(s for s in counts if s not in STATUSES)
    return [StatusCount(s, STATUSES[s].label if s in STATUSES else s, counts.get(s, 0)) for s in statuses]


def open_callbacks(db: sqlite_utils.Database) -> int:
    """Callback requests (转人工 / 留言) not yet closed: people waiting for the office to call them."""
    return count_open(db)


def item_name(knowledge: Knowledge, item_id: str | None) -> str:
    """An item's short name; an item since removed keeps its id."""
    if item_id is None:
        return ""
    return knowledge.items[item_id].short_name if item_id in knowledge.items else item_id
