"""`assistant audit`: who searched, viewed or revealed which case, when and from where; append-only."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from assistant import audit
from assistant.db import connect
from assistant.importer import import_file
from assistant.knowledge import load

CASE = {
    "case_no": "RF-2026-0042",
    "item_id": "shelter-build-approval",
    "applicant": "上海某某置业有限公司",
    "contact_phone": "13912345678",
    "submitted_at": "2026-10-12",
    "status": "in_review",
}


@pytest.fixture
def staff(auth, db_path, knowledge_dir, tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(CASE, ensure_ascii=False) + "\n", encoding="utf-8")
    import_file(connect(db_path), load(knowledge_dir), path)
    auth.create("wang", "staff")
    auth.login("wang")
    return auth


def test_every_search_view_and_reveal_is_in_audit_json(runner, staff):
    token = staff.csrf("/staff")
    staff.client.post("/staff", data={"q": "置业", "csrf_token": token})
    staff.client.post("/staff", data={"q": "RF-2026-0042", "csrf_token": token}, follow_redirects=True)
    staff.client.post("/staff/cases/RF-2026-0042/reveal", data={"csrf_token": staff.csrf("/staff")})

    result = runner.invoke(["audit", "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    assert [(e["action"], e["case_no"]) for e in entries] == [
        ("search", None),
        ("search", "RF-2026-0042"),
        ("view", "RF-2026-0042"),
        ("reveal", "RF-2026-0042"),
    ]
    for e in entries:
        assert set(e) == {"at", "user", "action", "case_no", "client", "detail"}
        assert e["user"] == "wang" and e["client"] == "127.0.0.1"
        assert datetime.fromisoformat(e["at"]).tzinfo is not None
    assert entries[0]["detail"] == "置业"


def test_audit_prints_one_readable_line_per_entry_in_office_time(runner, db_path):
    db = connect(db_path)
    actor = audit.Actor("wang", "10.0.0.7")
    audit.record(db, actor, "view", "RF-1", now=datetime(2026, 11, 24, 16, 30, tzinfo=UTC))  # 00:30 in Shanghai
    result = runner.invoke(["audit"])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["2026-11-25 00:30:00  wang  查看  RF-1  10.0.0.7", "共 1 条记录。"]


def test_since_counts_from_midnight_office_time(runner, db_path):
    db = connect(db_path)
    actor = audit.Actor("wang", "10.0.0.7")
    audit.record(db, actor, "view", "RF-OLD", now=datetime(2026, 11, 24, 15, 59, tzinfo=UTC))  # 23:59 on the 24th
    audit.record(db, actor, "view", "RF-NEW", now=datetime(2026, 11, 24, 16, 0, tzinfo=UTC))  # 00:00 on the 25th
    entries = json.loads(runner.invoke(["audit", "--since", "2026-11-25", "--json"]).output)
    assert [e["case_no"] for e in entries] == ["RF-NEW"]
    assert len(json.loads(runner.invoke(["audit", "--json"]).output)) == 2


def test_a_bad_date_is_refused_in_chinese(runner):
    result = runner.invoke(["audit", "--since", "25/11/2026"])
    assert result.exit_code == 1
    assert "日期格式不正确" in result.output


def test_an_empty_log_is_an_empty_json_list(runner):
    result = runner.invoke(["audit", "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == []


def test_the_log_cannot_be_changed_or_deleted(db_path):
    db = connect(db_path)
    audit.record(db, audit.Actor("wang", "10.0.0.7"), "reveal", "RF-1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("update audit_log set user = 'nobody'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from audit_log")
    assert [e.user for e in audit.entries(db)] == ["wang"]
