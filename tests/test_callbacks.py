"""Callback requests (转人工 / 留言): a citizen asks to be called back, staff call and close the request.

The API checks what is sent (consent, a phone that can be called) and limits each client; the phone is
kept in full for the call but shown masked, except once after an audited reveal; the question is
stored masked; the reference answers its status in the chat and is never taken for a case number.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from test_openapi import check

from assistant import callbacks, cases
from assistant.db import connect
from assistant.importer import import_file
from assistant.knowledge import load
from assistant.privacy import mask_text
from assistant.workdays import OFFICE_TZ, WorkCalendar

REFERENCE = re.compile(r"^[2-9][0-9]{2}-[0-9]{3}-[0-9]{3}$")

REQUEST = {
    "name": "王先生",
    "phone": "139 1234 5678",
    "question": "地下室想改成仓库，要办什么手续？我的身份证 310101199001011234，手机 13912345678",
    "consent": True,
    "preferred_time": "工作日下午",
}


def request_callback(client, remote_addr: str = "10.0.0.1", **changes):
    return client.post("/api/callbacks", json={**REQUEST, **changes}, environ_base={"REMOTE_ADDR": remote_addr})


def stored(db_path) -> list[dict]:
    return list(connect(db_path).query("select * from callbacks order by id"))


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def doc(client) -> dict:
    return client.get("/api/openapi.json").get_json()


# ---- the API -------------------------------------------------------------------------------------


def test_a_request_with_consent_gets_a_reference_and_is_stored_with_the_question_masked(client, db_path, doc):
    response = request_callback(client)
    assert response.status_code == 201
    body = check(doc, response, "/api/callbacks", "post")
    assert REFERENCE.match(body["reference"])

    [row] = stored(db_path)
    assert row["reference"] == body["reference"]
    assert row["status"] == "open"
    assert row["phone"] == "13912345678"  # in full, normalised: needed to call back
    assert "310101199001011234" not in row["question"] and "13912345678" not in row["question"]
    assert row["question"] == mask_text(REQUEST["question"])
    assert row["preferred_time"] == "工作日下午"


@pytest.mark.parametrize(
    "phone, normalised",
    [
        ("13912345678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0086 13912345678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),  # full-width, from a Chinese keyboard
        ("021-6123 4567", "021-61234567"),
        ("（021）61234567", "021-61234567"),
        ("6123 4567", "021-61234567"),
        ("+86 21 6123 4567", "021-61234567"),
    ],
)
def test_mobiles_and_shanghai_landlines_are_accepted_however_written(client, db_path, phone, normalised):
    assert request_callback(client, phone=phone).status_code == 201
    assert stored(db_path)[0]["phone"] == normalised


@pytest.mark.parametrize(
    "phone",
    ["", "12345", "1391234567", "139123456789", "23912345678", "12345678", "0512-61234567", "+1 415 555 0100",
     "021-61234567 转 8", "电话号码", 13912345678],
)
def test_a_phone_that_cannot_be_called_back_is_refused_in_chinese(client, db_path, doc, phone):
    response = request_callback(client, phone=phone)
    assert response.status_code == 400
    assert "电话" in check(doc, response, "/api/callbacks", "post")["error"]
    assert stored(db_path) == []


@pytest.mark.parametrize("consent", [None, False, "true", 1, "on"])
def test_without_an_explicit_yes_nothing_is_stored(client, db_path, consent):
    body = {**REQUEST, "consent": consent}
    if consent is None:
        del body["consent"]
    response = client.post("/api/callbacks", json=body)
    assert response.status_code == 400
    assert "同意" in response.get_json()["error"]
    assert stored(db_path) == []


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"name": "  "}, "称呼"),
        ({"name": "王" * 31}, "称呼太长"),
        ({"question": ""}, "问题"),
        ({"question": "问" * 1001}, "问题太长"),
        ({"preferred_time": "下午" * 60}, "时间太长"),
        ({"conversation_id": 42}, "conversation_id"),
    ],
)
def test_other_bad_fields_are_named_in_chinese(client, changes, words):
    response = request_callback(client, **changes)
    assert response.status_code == 400
    assert words in response.get_json()["error"]


def test_a_body_that_is_not_a_json_object_is_a_400(client):
    assert client.post("/api/callbacks", json=["王先生"]).status_code == 400


def test_five_requests_per_client_per_hour_then_429_for_that_client_only(client, db_path, doc):
    for _ in range(5):
        assert request_callback(client, "10.0.0.7").status_code == 201
    refused = request_callback(client, "10.0.0.7")
    assert refused.status_code == 429
    assert "12345" in check(doc, refused, "/api/callbacks", "post")["error"]
    assert request_callback(client, "10.0.0.8").status_code == 201
    assert len(stored(db_path)) == 6
    # the client's address is not kept with the name and phone, under any column name
    assert all("10.0.0." not in str(value) for row in stored(db_path) for value in row.values())


def test_the_limit_counts_only_the_last_hour_and_old_submissions_are_forgotten(db_path):
    db = connect(db_path)
    submission = callbacks.check("王先生", "13912345678", "问题", True)
    earlier = datetime.now(UTC) - timedelta(hours=2)
    for _ in range(5):
        callbacks.create(db, submission, client="10.0.0.9", now=earlier)
    callbacks.create(db, submission, client="10.0.0.9")
    assert db.execute("select count(*) from callback_submissions").fetchone()[0] == 1
    with pytest.raises(callbacks.TooManyRequests):
        for _ in range(5):
            callbacks.create(db, submission, client="10.0.0.9")


# ---- the reference -------------------------------------------------------------------------------


def test_a_reference_is_never_taken_for_a_case_number_a_phone_or_four_digits():
    for _ in range(5000):
        reference = callbacks.new_reference()
        assert REFERENCE.match(reference)
        assert cases.find_case_number(reference) is None
        assert cases.find_case_number(f"我的留言编号是{reference}，处理了吗") is None
        assert mask_text(reference) == reference  # not masked as a phone in the question log
        assert not re.search(r"(?<![0-9])[0-9]{4}(?![0-9])", reference)  # no four digits of a look-up


@pytest.mark.parametrize(
    "text, reference",
    [
        ("482-917-305", "482-917-305"),
        ("留言编号482917305处理了吗", "482-917-305"),
        ("编号 482 917 305", "482-917-305"),
        ("４８２－９１７－３０５", "482-917-305"),
        ("13912345678", None),
        ("021-61234567", None),
        ("RF-2026-0042 5678", None),
        ("1482917305", None),
    ],
)
def test_the_reference_is_found_in_a_message_however_typed(text, reference):
    assert callbacks.find_reference(text) == reference


# ---- the chat offers it, and answers its status --------------------------------------------------


def test_declines_rejections_and_asking_for_a_person_offer_a_callback(ask):
    assert "callback" in ask("今天股票涨不涨")["actions"]
    assert "callback" in ask("转人工")["actions"]
    first = ask("结建审批要多久")
    assert "callback" not in first["actions"]
    assert "callback" not in ask("你好")["actions"]
    rejected = ask("不是这个", first["conversation_id"])
    assert rejected["kind"] == "clarify" and "callback" not in rejected["actions"]
    none = ask("都不是，联系工作人员", first["conversation_id"])
    assert none["kind"] == "clarify" and none["actions"] == ["callback"]


def test_the_reference_in_the_chat_tells_its_status_and_nothing_personal(client, ask, db_path):
    reference = request_callback(client).get_json()["reference"]
    db = connect(db_path)

    reply = ask(f"我的留言编号是 {reference}，现在怎么样了")
    assert reply["kind"] == "case" and reply["item_id"] is None
    assert reference in reply["reply"] and "待处理" in reply["reply"]
    for personal in ("王先生", "5678", "地下室", "工作日下午"):
        assert personal not in reply["reply"]

    callbacks.take(db, reference, "wang")
    assert "已有工作人员跟进" in ask(reference.replace("-", ""))["reply"]
    callbacks.close(db, reference, "wang", "已回电，告知需要办理的手续")
    closed = ask(reference)["reply"]
    assert "已回电处理" in closed and "手续" not in closed


def test_an_unknown_reference_is_not_found_but_nine_digits_in_a_question_are_left_to_the_knowledge(ask):
    assert "没有找到留言编号 222-333-444" in ask("留言编号 222-333-444")["reply"]
    reply = ask("结建审批要多久 222333444")
    assert reply["kind"] == "answer"


def test_case_look_ups_in_the_chat_still_work(client, ask, db_path, knowledge_dir, tmp_path):
    path = tmp_path / "cases.jsonl"
    case = {"case_no": "RF-2026-0042", "item_id": "shelter-build-approval", "applicant": "上海某某置业有限公司",
            "contact_phone": "13912345678", "submitted_at": "2026-10-12", "status": "in_review"}
    path.write_text(json.dumps(case, ensure_ascii=False) + "\n", encoding="utf-8")
    import_file(connect(db_path), load(knowledge_dir), path)
    request_callback(client)
    reply = ask("RF-2026-0042 5678")
    assert reply["kind"] == "case" and "审查中" in reply["reply"]
    pending = ask("RF-2026-0042")
    assert "后四位" in pending["reply"]
    assert "审查中" in ask("5678", pending["conversation_id"])["reply"]


# ---- staff ---------------------------------------------------------------------------------------


@pytest.fixture
def staff(auth):
    """A logged-in window clerk."""
    auth.create("wang", "staff")
    assert auth.login("wang").status_code == 302
    return auth


def form(staff, path: str, **data):
    """Submit a form on /staff/callbacks, with the page's CSRF token."""
    return staff.client.post(path, data={**data, "csrf_token": staff.csrf("/staff/callbacks")})


def audit_rows(db_path) -> list[dict]:
    return list(connect(db_path).query("select user, action, case_no, detail from audit_log order by id"))


def test_the_list_needs_a_login(client):
    response = client.get("/staff/callbacks")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=/staff/callbacks")


def test_staff_see_open_requests_with_the_phone_and_question_masked(client, staff):
    reference = request_callback(client).get_json()["reference"]
    response = staff.client.get("/staff/callbacks")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = page(response)
    assert reference in html and "王先生" in html and "工作日下午" in html and "刚刚" in html
    assert "139****5678" in html
    assert "13912345678" not in html and "310101199001011234" not in html
    assert "地下室想改成仓库" in html
    assert 'href="/staff/callbacks" aria-current="page"' in html  # the nav link
    assert "overdue-badge" not in html


def test_a_clerk_takes_a_request_and_a_colleague_cannot_take_it_again(client, staff, db_path, auth):
    reference = request_callback(client).get_json()["reference"]
    response = form(staff, f"/staff/callbacks/{reference}/take")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/callbacks#callback-{reference}"
    html = page(staff.client.get("/staff/callbacks"))
    assert "您已接手回电请求" in html and "wang 正在跟进" in html
    assert stored(db_path)[0]["taken_by"] == "wang"

    auth.logout()
    auth.create("li", "staff")
    auth.login("li")
    form(auth, f"/staff/callbacks/{reference}/take")
    assert f"回电请求 {reference} 已由 wang 跟进" in page(auth.client.get("/staff/callbacks"))
    assert stored(db_path)[0]["taken_by"] == "wang"


def test_closing_needs_a_note_then_the_request_leaves_the_list(client, staff, db_path):
    reference = request_callback(client).get_json()["reference"]
    form(staff, f"/staff/callbacks/{reference}/close", note="  ")
    html = page(staff.client.get("/staff/callbacks"))
    assert "请填写处理情况" in html and reference in html.split("</h1>", 1)[1]
    assert stored(db_path)[0]["status"] == "open"

    response = form(staff, f"/staff/callbacks/{reference}/close", note="已回电 13912345678，告知需办理的手续")
    assert response.status_code == 302
    html = page(staff.client.get("/staff/callbacks"))
    assert f"回电请求 {reference} 已办结" in html
    assert f"留言 {reference}" not in html and "目前没有待处理的回电请求" in html
    [row] = stored(db_path)
    assert row["status"] == "closed" and row["closed_by"] == "wang" and row["taken_by"] == "wang"
    assert row["note"] == "已回电 139****5678，告知需办理的手续"

    form(staff, f"/staff/callbacks/{reference}/close", note="再次办结")
    assert "已由 wang 处理完毕" in page(staff.client.get("/staff/callbacks"))


def test_the_full_phone_is_shown_once_after_a_reveal_audited_once(client, staff, db_path):
    reference = request_callback(client).get_json()["reference"]
    response = form(staff, f"/staff/callbacks/{reference}/reveal")
    assert response.status_code == 302  # post/redirect/get: a reload does not reveal (or audit) again
    html = page(staff.client.get("/staff/callbacks"))
    assert "13912345678" in html and "已记入审计日志" in html
    reveals = [r for r in audit_rows(db_path) if r["action"] == "reveal"]
    assert reveals == [{"user": "wang", "action": "reveal", "case_no": None, "detail": f"回电请求 {reference} 的联系电话"}]

    again = page(staff.client.get("/staff/callbacks"))
    assert "13912345678" not in again and "139****5678" in again
    assert len([r for r in audit_rows(db_path) if r["action"] == "reveal"]) == 1


def test_forms_without_the_csrf_token_change_nothing(client, staff, db_path):
    reference = request_callback(client).get_json()["reference"]
    for action in ("take", "reveal", "close"):
        assert staff.client.post(f"/staff/callbacks/{reference}/{action}", data={"note": "x"}).status_code == 400
    assert stored(db_path)[0]["status"] == "open"
    assert [r for r in audit_rows(db_path) if r["action"] == "reveal"] == []


def test_an_unknown_reference_is_a_404(staff):
    assert form(staff, "/staff/callbacks/222-333-444/reveal").status_code == 404


def test_requests_waiting_more_than_one_working_day_are_highlighted(client, staff, db_path):
    db = connect(db_path)
    submission = callbacks.check("李女士", "021-61234567", "人防车位能卖吗", True)
    old = callbacks.create(db, submission, client="cli", now=datetime.now(UTC) - timedelta(days=30))
    new = request_callback(client).get_json()["reference"]
    html = page(staff.client.get("/staff/callbacks"))
    assert html.index(old) < html.index(new)  # oldest first
    old_card = html[html.index(f'id="callback-{old}"'):html.index(f'id="callback-{new}"')]
    new_card = html[html.index(f'id="callback-{new}"'):]
    assert "已超过一个工作日" in old_card and "30 天前" in old_card and "021****4567" in old_card
    assert "已超过一个工作日" not in new_card and "overdue-badge" not in new_card
    assert 'class="callback callback--overdue"' in html and html.count("callback--overdue") == 1


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=OFFICE_TZ)


@pytest.mark.parametrize(
    "created, due",
    [
        ("2025-11-17 10:00", "2025-11-18 10:00"),  # Monday: the same time on Tuesday
        ("2025-11-21 16:30", "2025-11-24 16:30"),  # Friday: the same time on Monday
        ("2025-11-22 10:00", "2025-11-25 00:00"),  # Saturday: the end of Monday
        ("2025-09-30 09:00", "2025-10-09 09:00"),  # before the National Day holiday: after it
        ("2025-09-28 11:00", "2025-09-29 11:00"),  # a Sunday worked in lieu (调休) counts as a working day
    ],
)
def test_one_working_day_follows_the_office_calendar(created, due):
    assert callbacks.overdue_after(at(created), WorkCalendar()) == at(due)


def test_the_admin_dashboard_counts_the_open_requests(client, auth, db_path):
    for _ in range(3):
        reference = request_callback(client).get_json()["reference"]
    callbacks.close(connect(db_path), reference, "wang", "已回电")
    auth.create("chen", "admin")
    auth.login("chen")
    html = page(auth.client.get("/admin"))
    assert re.search(r'stat__number">2</span><span class="stat__label"><a href="/staff/callbacks">待回电的留言', html)
