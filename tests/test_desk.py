"""The answer desk (/staff): answer cards and cases from a few typed characters, behind a login, audited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant.db import connect
from assistant.desk import answer_cards
from assistant.importer import import_file
from assistant.knowledge import load

CASES = [
    {
        "case_no": "QP-2026-0101",
        "item_id": "shelter-build-approval",
        "applicant": "上海青浦置业有限公司",
        "contact_phone": "139-1234-5678",
        "submitted_at": "2026-11-02",
        "status": "needs_supplement",
        "project_name": "赵巷住宅项目",
        "missing_materials": ["人防工程施工图设计文件"],
        "supplement_due": "2026-11-27",  # already past on 2026-12-02
    },
    {
        "case_no": "QP-2026-0102",
        "item_id": "use-filing",
        "applicant": "徐泾商业管理有限公司",
        "contact_phone": "13800001111",
        "submitted_at": "2026-11-20",
        "status": "in_review",
        "project_name": "徐泾商业综合体地下车库",
    },
    {
        "case_no": "QP-2026-0203",
        "item_id": "completion-acceptance",
        "applicant": "朱家角文旅发展有限公司",
        "contact_phone": "021 5987 6543",
        "submitted_at": "2026-10-01",
        "status": "completed",
    },
]
TODAY = "2026-12-02"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def desk(app, auth, db_path, knowledge_dir, tmp_path):
    """A logged-in clerk, three cases imported as the office imports them, "today" fixed."""
    app.config["TODAY"] = TODAY
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES), encoding="utf-8")
    import_file(connect(db_path), load(knowledge_dir), path)
    auth.create("wang", "staff")
    assert auth.login("wang").status_code == 302
    return auth.client


def answers(client, **params) -> dict:
    response = client.get("/staff/api/answers", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# ---- answer cards ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, item_id",
    [("易地费", "offsite-fee"), ("验收", "completion-acceptance"), ("车位", "civil-defence-parking"), ("警报", "siren-test")],
)
def test_two_or_three_typed_characters_find_the_item(desk, typed, item_id):
    cards = answers(desk, q=typed)["results"]
    assert cards[0]["item_id"] == item_id
    assert cards[0]["entry_id"] is None  # a topic typed: the item as a whole


def test_a_card_holds_the_direct_answer_the_whole_guide_and_its_sources(desk):
    card = answers(desk, q="易地费 退")["results"][0]
    assert (card["item_id"], card["entry_id"]) == ("offsite-fee", "refund")
    assert "退" in card["answer"]
    keys = [part["key"] for part in card["guide"]]
    assert keys[0] == "summary" and {"fee", "basis"} <= set(keys)
    assert card["sources"] and all(isinstance(s, str) for s in card["sources"])
    plain = card["plain_text"]
    assert plain.startswith(card["title"]) and "**" not in plain and "【" in plain


def test_a_whole_question_is_matched_as_the_chat_matches_it(desk):
    card = answers(desk, q="人防车位能不能装充电桩")["results"][0]
    assert (card["item_id"], card["entry_id"]) == ("civil-defence-parking", "charger")


def test_the_right_item_is_among_the_first_three_cards_for_most_development_questions():
    knowledge = load(ROOT / "knowledge")
    lines = (ROOT / "tests" / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    inscope = [r for r in rows if r["expected"]]
    hits = 0
    for row in inscope:
        want = row["expected"] if isinstance(row["expected"], list) else [row["expected"]]
        hits += any(c.item_id in want for c in answer_cards(knowledge, row["q"], today=date(2026, 12, 2))[:3])
    assert hits / len(inscope) >= 0.97


def test_the_desk_is_only_for_logged_in_staff(client):
    response = client.get("/staff/api/answers", query_string={"q": "易地费"})
    assert response.status_code == 401
    assert "error" in response.get_json()


# ---- cases from a fragment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, case_no",
    [
        ("5678", "QP-2026-0101"),  # the last four digits of the phone
        ("+86 139 1234 5678", "QP-2026-0101"),  # the whole phone, written any way
        ("0102", "QP-2026-0102"),  # part of the case number
        ("qp-2026-0203", "QP-2026-0203"),  # any case
        ("徐泾商业", "QP-2026-0102"),  # part of the applicant's name
        ("赵巷住宅", "QP-2026-0101"),  # part of the project's name
        ("朱家角文旅发屏", "QP-2026-0203"),  # a typo: fuzzy
    ],
)
def test_a_case_is_found_from_a_fragment(desk, typed, case_no):
    found = [c["case_no"] for c in answers(desk, q=typed)["cases"]]
    assert case_no in found


def test_cases_show_the_phone_masked_and_their_deadline(desk):
    case = answers(desk, q="赵巷")["cases"][0]
    assert case["phone"] == "139****5678"
    assert "13912345678" not in json.dumps(answers(desk, q="赵巷"))
    assert case["overdue"] is True and "补正截止" in case["deadline"]


def test_filters_narrow_the_cases_by_status_and_deadline(desk):
    overdue = [c["case_no"] for c in answers(desk, deadline="overdue")["cases"]]
    assert overdue == ["QP-2026-0101"]
    reviewing = [c["case_no"] for c in answers(desk, q="QP-2026", status="in_review")["cases"]]
    assert reviewing == ["QP-2026-0102"]
    response = desk.get("/staff/api/answers", query_string={"status": "nonsense"})
    assert response.status_code == 400 and "状态" in response.get_json()["error"]


def test_every_case_search_is_audited_with_the_query_masked(desk, db_path):
    answers(desk, q="13912345678")
    rows = list(connect(db_path).query("select user, action, detail from audit_log where action = 'search'"))
    assert rows and rows[-1]["user"] == "wang"
    assert "13912345678" not in rows[-1]["detail"]


def test_query_strings_stay_out_of_the_access_log():
    import runpy

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert "%(r)s" not in config["access_log_format"] and "%(q)s" not in config["access_log_format"]
    assert "%(U)s" in config["access_log_format"]


# ---- the day's due cases --------------------------------------------------------------------------


def test_the_due_tab_lists_what_reminders_prints_with_its_text(desk, db_path):
    page = desk.get("/staff/due").get_data(as_text=True)
    assert "QP-2026-0101" in page and "需要补正材料" in page
    assert "QP-2026-0203" not in page  # completed: nothing is due
    assert "复制提醒短信" in page


# ---- the phone-enquiry log ------------------------------------------------------------------------


def csrf_header(client) -> dict:
    import re

    page = client.get("/staff").get_data(as_text=True)
    return {"X-CSRF-Token": re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)}


def test_a_phone_enquiry_is_logged_from_a_card_and_counted_on_the_dashboard(desk, auth, db_path):
    headers = csrf_header(desk)
    for outcome in ("answered", "answered", "referred"):
        response = desk.post(
            "/staff/api/enquiries", json={"item_id": "offsite-fee", "entry_id": "refund", "outcome": outcome},
            headers=headers,
        )
        assert response.status_code == 201
    rows = list(connect(db_path).query("select user, item_id, entry_id, outcome from phone_enquiries"))
    assert rows[0] == {"user": "wang", "item_id": "offsite-fee", "entry_id": "refund", "outcome": "answered"}

    auth.create("chen", "admin")
    auth.logout()
    auth.login("chen")
    page = desk.get("/admin").get_data(as_text=True)
    table = page[page.index("电话咨询"):]
    assert "已解答</th><td class=\"num\">2" in table and "已转介</th><td class=\"num\">1" in table


@pytest.mark.parametrize(
    "body, message",
    [
        ({"item_id": "no-such-item", "outcome": "answered"}, "事项"),
        ({"item_id": "offsite-fee", "entry_id": "no-such-entry", "outcome": "answered"}, "问题"),
        ({"item_id": "offsite-fee", "outcome": "done"}, "结果"),
    ],
)
def test_a_bad_enquiry_is_refused_in_chinese_and_nothing_is_stored(desk, db_path, body, message):
    response = desk.post("/staff/api/enquiries", json=body, headers=csrf_header(desk))
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert connect(db_path)["phone_enquiries"].count == 0


def test_an_enquiry_without_the_csrf_token_is_refused(desk):
    response = desk.post("/staff/api/enquiries", json={"item_id": "offsite-fee", "outcome": "answered"})
    assert response.status_code == 400
