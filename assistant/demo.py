"""Demo cases, so that `make run` on a fresh machine has something to look up.

Every status of every licensing item, clearly marked 【演示】, with dates relative to today so that
some deadlines are always near (the reminders have something to show). Case `DEMO-0001` … have the
contact phone `1380000` + the same four digits, e.g. `DEMO-0004` → last four digits `0004`.
Seeded only into an empty case table: once real cases are imported, demo cases never come back.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlite_utils

from .cases import STATUSES
from .importer import write_rows
from .knowledge import Knowledge
from .workdays import office_today

# For each status: calendar days since submission, and working days until the supplement deadline.
_PLAN = {
    "pre_review": (2, None),
    "accepted": (5, None),
    "in_review": (12, None),
    "needs_supplement": (15, 2),
    "completed": (40, None),
    "rejected": (35, None),
    "withdrawn": (20, None),
}


def demo_rows(knowledge: Knowledge, today: date | None = None) -> list[dict]:
    """The demo cases as checked import rows (the same shape `importer.check_row` returns)."""
    today = today or office_today()
    licences = [item for item in knowledge.items.values() if item.category == "licence"]
    rows, number = [], 0
    for item in licences:
        for status, (age, supplement_days) in _PLAN.items():
            number += 1
            last4 = f"{number:04d}"
            missing = [m.name for m in item.materials[:2]] if status == "needs_supplement" else []
            supplement_due = knowledge.calendar.add(today, supplement_days) if supplement_days is not None else None
            rows.append(
                {
                    "case_no": f"DEMO-{last4}",
                    "item_id": item.id,
                    "applicant": "【演示】示例建设发展有限公司",
                    "contact_phone": f"1380000{last4}",
                    "phone_last4": last4,
                    "project_name": f"【演示】{item.short_name}示例项目",
                    "status": status,
                    "submitted_at": (today - timedelta(days=age)).isoformat(),
                    "updated_at": None,
                    "missing_materials": json.dumps(missing, ensure_ascii=False),
                    "supplement_due": supplement_due.isoformat() if supplement_due else None,
                    "due_date": None,
                    "due_date_computed": 0,
                    "notes": f"演示数据：{STATUSES[status].label}",
                    "demo": 1,
                }
            )
    return rows


def seed_if_empty(db: sqlite_utils.Database, knowledge: Knowledge) -> int:
    """Insert the demo cases when there are no cases at all; returns how many were inserted."""
    if db.execute("select count(*) from cases").fetchone()[0]:
        return 0
    return write_rows(db, knowledge, demo_rows(knowledge), source="demo").inserted
