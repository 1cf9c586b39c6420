"""Reminders (微提醒): open cases with a deadline within N working days, soonest (and overdue) first.

Two deadlines are tracked: the supplement deadline of a case waiting for materials (补正截止) and the
expected completion date of a case under review (已受理、审查中). Each reminder carries a polite text ready to send to the
applicant; the applicant's own look-up shows the same texts (`cases.case_reminders`).
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from .cases import STATUSES, Reminder, case_reminders
from .knowledge import Knowledge
from .workdays import office_today

# Statuses whose processing time is running: their expected completion date is a real deadline.
RUNNING = tuple(code for code, status in STATUSES.items() if status.clock)
# What a reminder needs; `needs_supplement` is not in RUNNING, so the two halves never overlap.
COLUMNS = "case_no, item_id, status, missing_materials, supplement_due, due_date"


def due_within(
    db: sqlite_utils.Database, knowledge: Knowledge, within: int = 3, today: date | None = None
) -> list[Reminder]:
    """Reminders whose deadline is at most `within` working days away (overdue ones included)."""
    today = today or office_today()
    cutoff = knowledge.calendar.add(today, within).isoformat()
    marks = ", ".join("?" for _ in RUNNING)
    rows = db.query(
        f"""
        select {COLUMNS} from cases where status in ({marks}) and due_date <= ?
        union all
        select {COLUMNS} from cases where status = 'needs_supplement' and supplement_due <= ?
        """,
        [*RUNNING, cutoff, cutoff],
    )
    names = {item_id: item.name for item_id, item in knowledge.items.items()}
    found = [
        reminder
        for row in rows
        for reminder in case_reminders(row, names.get(row["item_id"], row["item_id"]), knowledge.calendar, today)
        if reminder.due.isoformat() <= cutoff
    ]
    return sorted(found, key=lambda r: (r.due, r.case_no, r.kind))
