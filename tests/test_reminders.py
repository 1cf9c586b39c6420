"""`assistant reminders`: open cases with a deadline within N working days, overdue and soonest first."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.db import connect
from assistant.importer import import_file
from assistant.knowledge import load
from assistant.reminders import due_within
from assistant.workdays import office_today

# A fixed "today": Monday 29 September 2025, just before the National Day holiday (1–8 October).
TODAY = date(2025, 9, 29)


def case(case_no: str, status: str, **fields) -> dict:
    return {"case_no": case_no, "item_id": "shelter-build-approval", "applicant": "某公司",
            "contact_phone": "13800001234", "submitted_at": "2025-09-01", "status": status, **fields}


@pytest.fixture
def db(db_path, knowledge_dir, tmp_path):
    rows = [
        case("SOON", "needs_supplement", supplement_due="2025-09-30", missing_materials=["施工图"]),
        case("AFTER-HOLIDAY", "needs_supplement", supplement_due="2025-10-09"),  # 2 working days away
        case("OVERDUE", "in_review", due_date="2025-09-26"),
        case("TODAY", "accepted", due_date="2025-09-29"),
        case("LATER", "in_review", due_date="2025-10-20"),
        case("DONE", "completed", due_date="2025-09-30"),  # closed cases are never reminded
        case("STALE", "in_review", supplement_due="2025-09-30", due_date="2025-12-01"),  # not waiting for materials
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    database = connect(db_path)
    import_file(database, load(knowledge_dir), path)
    return database


def test_overdue_first_then_soonest_and_only_within_the_window(db, knowledge_dir):
    found = due_within(db, load(knowledge_dir), within=2, today=TODAY)
    assert [(r.case_no, r.kind) for r in found] == [
        ("OVERDUE", "completion"),
        ("TODAY", "completion"),
        ("SOON", "supplement"),
        ("AFTER-HOLIDAY", "supplement"),
    ]
    # Overdue since Friday 26th: the make-up Sunday 28th and Monday 29th have passed since.
    assert [r.working_days_left for r in found] == [-2, 0, 1, 2]


def test_the_window_counts_working_days_not_calendar_days(db, knowledge_dir):
    # One working day after 29 September is the 30th; the holiday pushes 9 October to two.
    found = due_within(db, load(knowledge_dir), within=1, today=TODAY)
    assert [r.case_no for r in found] == ["OVERDUE", "TODAY", "SOON"]  # not AFTER-HOLIDAY


def test_each_reminder_is_a_polite_text_ready_to_send(db, knowledge_dir):
    soon = next(r for r in due_within(db, load(knowledge_dir), within=2, today=TODAY) if r.case_no == "SOON")
    assert soon.text.startswith("您好") and "施工图" in soon.text and "2025年09月30日" in soon.text
    assert "还有1个工作日" in soon.text
    assert "13800001234" not in soon.text and "某公司" not in soon.text


def test_cli_prints_json_with_the_contract_fields(runner, db):
    result = runner.invoke(["reminders", "--within", "400", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and all(set(r) == {"case_no", "kind", "due", "working_days_left", "text"} for r in rows)
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    assert all(r["working_days_left"] < 0 for r in rows if r["due"] < office_today().isoformat())


def test_cli_says_so_when_nothing_is_due(runner):
    result = runner.invoke(["reminders"])
    assert result.exit_code == 0 and "没有到期的办件" in result.output
