"""The phone-enquiry log: one click on a desk card records "answered a phone enquiry about X".

The office reports its 首办成功率 (questions settled at the first contact); the chat's figures come from
the question log, the phone's from here. Nothing about the caller is stored: the item, the outcome,
the clerk and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from .errors import BadRequest
from .knowledge import Knowledge

OUTCOMES = {"answered": "已解答", "callback": "需回电", "referred": "已转介"}


@dataclass(frozen=True)
class OutcomeCount:
    outcome: str
    label: str
    count: int


def record(
    db: sqlite_utils.Database, knowledge: Knowledge, user: str, item_id: object, entry_id: object, outcome: object
) -> int:
    """Record one phone enquiry; `BadRequest` (in Chinese) for an unknown item, entry or outcome."""
    if not isinstance(item_id, str) or item_id not in knowledge.items:
        raise BadRequest("请选择一个知识库事项。")
    if entry_id is not None and (not isinstance(entry_id, str) or knowledge.items[item_id].entry(entry_id) is None):
        raise BadRequest("这个事项里没有这条问题。")
    if outcome not in OUTCOMES:
        raise BadRequest(f"结果只能是：{'、'.join(OUTCOMES.values())}。")
    table = db["phone_enquiries"].insert(
        {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "user": user,
            "item_id": item_id,
            "entry_id": entry_id,
            "outcome": outcome,
        }
    )
    return table.last_pk


def counts(db: sqlite_utils.Database, days: int, now: datetime | None = None) -> list[OutcomeCount]:
    """Phone enquiries of the last `days` days per outcome, every outcome listed (zeros too)."""
    since = ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="seconds")
    found = dict(
        db.execute(
            "select outcome, count(*) from phone_enquiries where at >= ? group by outcome", [since]
        ).fetchall()
    )
    return [OutcomeCount(code, label, found.get(code, 0)) for code, label in OUTCOMES.items()]
