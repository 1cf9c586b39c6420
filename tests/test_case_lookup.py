"""Applicants look up their own case — by API and in the chat — and nobody else's."""

from __future__ import annotations

import json

import pytest

from assistant.db import connect
from assistant.importer import import_file
from assistant.knowledge import load
from assistant.workdays import office_today

PHONE = "13912345678"


@pytest.fixture
def case(app, db_path, knowledge_dir, tmp_path):
    """One case waiting for materials, due in two working days, imported the way the office does it."""
    knowledge = load(knowledge_dir)
    today = office_today()
    row = {
        "case_no": "RF-2026-0042",
        "item_id": "shelter-build-approval",
        "applicant": "上海某某置业有限公司",
        "contact_phone": PHONE,
        "submitted_at": today.isoformat(),
        "status": "needs_supplement",
        "project_name": "赵巷某住宅项目",
        "missing_materials": ["人防工程施工图设计文件"],
        "supplement_due": knowledge.calendar.add(today, 2).isoformat(),
        "notes": "身份证 310101199001011234 的经办人来电",
    }
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    import_file(connect(db_path), knowledge, path)
    return row


def lookup(client, case_no, digits, **headers):
    return client.post("/api/cases/lookup", json={"case_no": case_no, "phone_last4": digits}, headers=headers)


def test_the_owner_sees_status_missing_materials_and_deadlines(client, case):
    response = lookup(client, "rf-2026-0042", "5678")
    assert response.status_code == 200
    body = response.get_json()
    assert body["case_no"] == "RF-2026-0042"
    assert body["item_id"] == "shelter-build-approval" and body["item_name"].startswith("新建民用建筑")
    assert body["status"] == "needs_supplement" and body["status_label"] == "待补正"
    assert body["missing_materials"] == ["人防工程施工图设计文件"]
    assert body["submitted_at"] == case["submitted_at"]
    assert body["due_date"]  # computed from the item's working days
    supplement = [r for r in body["reminders"] if r["kind"] == "supplement"]
    assert supplement and supplement[0]["working_days_left"] == 2
    assert "人防工程施工图设计文件" in body["reply"] and "2个工作日" in body["reply"]


def test_the_answer_holds_no_personal_data(client, case):
    response = lookup(client, "RF-2026-0042", "5678")
    assert response.status_code == 200 and response.get_json()["status_label"] == "待补正"  # the case itself
    text = response.get_data(as_text=True)
    for secret in (PHONE, "1234-5678", "5678\"", "上海某某置业", "310101", "经办人"):
        assert secret not in text


def test_unknown_case_and_wrong_digits_get_the_same_answer(client, case):
    wrong_digits = lookup(client, "RF-2026-0042", "0000")
    unknown_case = lookup(client, "RF-2026-9999", "5678")
    assert wrong_digits.status_code == unknown_case.status_code == 404
    assert wrong_digits.get_json() == unknown_case.get_json()
    assert "没有找到" in wrong_digits.get_json()["error"]


@pytest.mark.parametrize(
    "body, says",
    [
        ({}, "办件编号"),
        ({"case_no": 42, "phone_last4": "5678"}, "办件编号"),
        ({"case_no": "RF-2026-0042"}, "后四位"),
        ({"case_no": "RF-2026-0042", "phone_last4": "56"}, "后四位"),
        ({"case_no": "RF-2026-0042", "phone_last4": 5678}, "后四位"),
    ],
)
def test_a_malformed_look_up_says_what_is_missing_and_costs_no_attempt(client, case, db_path, body, says):
    response = client.post("/api/cases/lookup", json=body)
    assert response.status_code == 400 and says in response.get_json()["error"]
    assert connect(db_path)["lookup_failures"].count == 0


def test_five_failures_lock_the_case_even_for_its_owner(client, case):
    for attempt in range(5):
        assert lookup(client, "RF-2026-0042", f"{attempt:04d}").status_code == 404
    locked = lookup(client, "RF-2026-0042", "5678")
    assert locked.status_code == 429
    assert "稍后再试" in locked.get_json()["error"]


def test_the_lock_is_shared_by_every_worker_because_it_lives_in_the_database(app, case, db_path):
    first, second = app.test_client(), app.test_client()
    for attempt in range(3):
        lookup(first, "RF-2026-0042", f"{attempt:04d}")
    for attempt in range(2):
        lookup(second, "RF-2026-0042", f"1{attempt:03d}")
    assert connect(db_path)["lookup_failures"].count == 5
    assert lookup(first, "RF-2026-0042", "5678").status_code == 429


def test_one_client_guessing_many_case_numbers_is_refused(app, case):
    app.config["LOOKUP_FAILURES_PER_CLIENT"] = 3
    client = app.test_client()
    for n in range(3):
        assert lookup(client, f"RF-GUESS-{n:04d}", "1234").status_code == 404
    assert lookup(client, "RF-2026-0042", "5678").status_code == 429


def test_forwarded_addresses_are_ignored_unless_behind_a_proxy(app, case):
    app.config["LOOKUP_FAILURES_PER_CLIENT"] = 2
    client = app.test_client()
    for n in range(2):
        lookup(client, f"RF-GUESS-{n:04d}", "1234", **{"X-Forwarded-For": f"10.0.0.{n}"})
    # A spoofed header does not buy a fresh allowance.
    assert lookup(client, "RF-2026-0042", "5678", **{"X-Forwarded-For": "10.9.9.9"}).status_code == 429


# ---------------------------------------------------------------- the same through the chat


def test_case_number_and_digits_in_one_message(ask, case):
    reply = ask("我的办件 RF-2026-0042 手机尾号5678，到哪一步了")
    assert reply["kind"] == "case"
    assert "待补正" in reply["reply"] and "人防工程施工图设计文件" in reply["reply"]
    assert PHONE not in reply["reply"]


def test_case_number_first_then_the_digits(ask, case):
    first = ask("查一下ＲＦ－２０２６－００４２")  # full-width, as some input methods type it
    assert first["kind"] == "case" and "后四位" in first["reply"]
    second = ask("5678", first["conversation_id"])
    assert second["kind"] == "case" and "待补正" in second["reply"]
    then = ask("那要多久？", first["conversation_id"])  # the conversation now knows the item
    assert then["item_id"] == "shelter-build-approval"


def test_wrong_digits_in_the_chat_get_the_not_found_answer_and_the_form(ask, case):
    reply = ask("RF-2026-0042 0000")
    assert reply["kind"] == "case" and "没有找到" in reply["reply"]
    assert "case_lookup" in reply["actions"]


def test_asking_how_to_check_progress_offers_the_look_up_form(ask):
    reply = ask("我的申请到哪一步了，怎么查进度")
    assert reply["item_id"] == "progress-lookup"
    assert "case_lookup" in reply["actions"]


def test_the_digits_are_never_stored_in_the_question_log(ask, case, db_path):
    first = ask("RF-2026-0042")
    ask("5678", first["conversation_id"])
    ask("RF-2026-0042 手机13912345678")
    logged = [r["question"] for r in connect(db_path)["questions"].rows]
    assert len(logged) == 3 and logged[0] == "RF-2026-0042", logged  # every turn is logged, masked
    assert not any("5678" in q for q in logged), logged


@pytest.mark.parametrize("digits", ["56 78", "5-6-7-8", "５６７８"])
def test_the_look_up_digits_work_however_typed_and_are_never_stored(ask, case, db_path, digits):
    reply = ask(f"RF-2026-0042 {digits}")
    assert reply["kind"] == "case" and "待补正" in reply["reply"]
    first = ask("RF-2026-0042")
    assert ask(digits, first["conversation_id"])["kind"] == "case"
    logged = " ".join(r["question"] for r in connect(db_path)["questions"].rows)
    assert logged.count("RF-2026-0042") == 2, logged  # the turns are logged, the digits are not
    assert "78" not in logged and "７８" not in logged, logged
