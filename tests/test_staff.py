"""The window staff's console: only behind a login, fast to search, phone masked, every read audited."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import PASSWORD

from assistant.auth import login_required
from assistant.db import connect
from assistant.importer import import_file
from assistant.knowledge import load

CASES = [
    {
        "case_no": "RF-2026-0042",
        "item_id": "shelter-build-approval",
        "applicant": "上海某某置业有限公司",
        "contact_phone": "13912345678",
        "submitted_at": "2026-10-12",
        "status": "needs_supplement",
        "project_name": "赵巷某住宅项目",
        "missing_materials": ["人防工程施工图设计文件"],
        "supplement_due": "2026-12-10",
        "notes": "经办人身份证 310101199001011234，来电催办",
    },
    {
        "case_no": "RF-2026-0043",
        "item_id": "shelter-build-approval",
        "applicant": "青浦某某实业有限公司",
        "contact_phone": "13800001111",
        "submitted_at": "2026-10-20",
        "status": "in_review",
        "project_name": "徐泾某商业综合体",
    },
]


@pytest.fixture
def cases(app, db_path, knowledge_dir, tmp_path):
    """Two cases imported the way the office does it."""
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES), encoding="utf-8")
    import_file(connect(db_path), load(knowledge_dir), path)
    return CASES


@pytest.fixture
def staff(auth, cases):
    """A logged-in window clerk."""
    auth.create("wang", "staff")
    assert auth.login("wang").status_code == 302
    return auth


def audit_rows(db_path) -> list[dict]:
    return list(connect(db_path).query("select user, action, case_no, client, detail from audit_log order by id"))


def page(response) -> str:
    return response.get_data(as_text=True)


def search(staff, query: str):
    """Type `query` into the console's search box and submit it (a POST with the CSRF token)."""
    return staff.client.post("/staff", data={"q": query, "csrf_token": staff.csrf("/staff")})


# ---- access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff", "/staff?q=%E7%BD%AE%E4%B8%9A", "/staff/cases/RF-2026-0042", "/admin"])
def test_pages_without_a_session_redirect_to_the_login_page_with_next(client, path):
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/staff/login"
    assert parse_qs(location.query)["next"] == [path]


def test_a_json_route_behind_login_required_answers_401_with_an_error(app, client):
    app.add_url_rule("/api/staff-only", "staff_only", login_required(lambda: {"ok": True}))
    response = client.get("/api/staff-only")
    assert response.status_code == 401
    assert response.get_json() == {"error": "请先登录。"}


def test_a_post_without_a_session_is_refused_and_reveals_nothing(client, cases, db_path):
    response = client.post("/staff/cases/RF-2026-0042/reveal")
    assert response.status_code == 400  # no session, so no CSRF token either
    assert "13912345678" not in page(response)
    assert audit_rows(db_path) == []


# ---- logging in ------------------------------------------------------------------------------------


def test_the_login_page_is_in_chinese_with_labelled_fields_and_a_csrf_field(client):
    html = page(client.get("/staff/login"))
    assert "工作人员登录" in html
    assert '<label for="name">用户名</label>' in html and '<label for="password">密码</label>' in html
    assert 'name="csrf_token"' in html


def test_login_leads_to_the_console(auth, cases):
    auth.create("wang", "staff")
    response = auth.login("wang")
    assert response.status_code == 302 and response.headers["Location"] == "/staff"
    console = auth.client.get("/staff")
    assert console.status_code == 200
    assert "wang（窗口人员）" in page(console)


def test_names_compare_without_regard_to_case_or_width(auth):
    auth.create("Wang", "staff")
    assert auth.login("ｗａｎｇ ").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(auth):
    auth.create("wang", "staff")
    wrong_password = auth.login("wang", "not-the-password")
    unknown_user = auth.login("nobody", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    message = "用户名或密码不正确，请重新输入。"
    assert message in page(wrong_password) and message in page(unknown_user)
    assert "nobody" in page(unknown_user)  # the name is kept in the form, the password never
    assert PASSWORD not in page(unknown_user)


def test_five_failed_logins_lock_the_name_even_for_the_right_password(auth):
    auth.create("wang", "staff")
    auth.create("li", "staff")
    for _ in range(5):
        assert auth.login("wang", "guess-guess-guess").status_code == 401
    locked = auth.login("wang", PASSWORD)
    assert locked.status_code == 429
    assert "登录失败次数过多" in page(locked) and "15分钟" in page(locked)
    assert auth.client.get("/staff").status_code == 302  # still not logged in
    assert auth.login("li").status_code == 302  # other names are not affected


def test_unknown_names_are_locked_the_same_way(auth):
    for _ in range(5):
        auth.login("ghost", "guess-guess-guess")
    assert auth.login("ghost", "guess-guess-guess").status_code == 429


@pytest.mark.parametrize("next_url", ["/staff/cases/RF-2026-0042", "/admin", "/staff/cases/RF-2026-0043?from=%E7%9F%AD%E4%BF%A1"])
def test_login_goes_on_to_a_local_next(auth, cases, next_url):
    auth.create("wang", "admin")
    assert auth.login("wang", next=next_url).headers["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/staff",
        "//evil.example/staff",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_next_can_never_lead_off_site(auth, next_url):
    auth.create("wang", "staff")
    assert auth.login("wang", next=next_url).headers["Location"] == "/staff"


def test_the_session_cookie_is_httponly_and_samesite_lax(auth):
    auth.create("wang", "staff")
    cookie = auth.login("wang").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # SECURE_COOKIES is off in tests, as on http://127.0.0.1


def test_the_public_chat_still_sets_no_cookie(client):
    assert "Set-Cookie" not in client.get("/").headers
    assert "Set-Cookie" not in client.post("/api/chat", json={"message": "结建审批要多久"}).headers


# ---- CSRF ------------------------------------------------------------------------------------------


def test_a_login_without_the_csrf_token_is_refused_in_chinese(auth):
    auth.create("wang", "staff")
    auth.client.get("/staff/login")
    response = auth.client.post("/staff/login", data={"name": "wang", "password": PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in page(response)
    assert auth.client.get("/staff").status_code == 302


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_reveal_without_the_right_csrf_token_is_refused_and_not_audited(staff, db_path, token):
    data = {} if token is None else {"csrf_token": token}
    response = staff.client.post("/staff/cases/RF-2026-0042/reveal", data=data)
    assert response.status_code == 400
    assert "13912345678" not in page(response)
    assert not [r for r in audit_rows(db_path) if r["action"] == "reveal"]


def test_the_token_changes_at_login(auth):
    auth.create("wang", "staff")
    before = auth.csrf()
    auth.login("wang")
    assert auth.csrf("/staff") != before


# ---- searching -------------------------------------------------------------------------------------


def test_the_search_box_has_the_focus_and_a_label(staff):
    html = page(staff.client.get("/staff"))
    assert '<label for="q"' in html
    assert 'id="q" name="q" type="search"' in html and "autofocus" in html


def test_a_search_is_posted_so_names_stay_out_of_urls_and_access_logs(staff):
    # Without JavaScript the desk's form is a POST case search (with it, desk.js asks the JSON API).
    assert '<form method="post" action="/staff" class="search desk-search"' in page(staff.client.get("/staff"))
    assert search(staff, "置业").headers["Location"] == "/staff"


@pytest.mark.parametrize("query", ["RF-2026-0042", " rf-2026-0042 ", "ＲＦ－２０２６－００４２"])
def test_a_case_number_goes_straight_to_the_case(staff, query):
    response = search(staff, query)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/cases/RF-2026-0042"


@pytest.mark.parametrize(
    "query, found",
    [
        ("置业", ["RF-2026-0042"]),  # applicant
        ("徐泾", ["RF-2026-0043"]),  # project
        ("有限公司", ["RF-2026-0043", "RF-2026-0042"]),  # newest first
    ],
)
def test_a_name_lists_the_matching_cases_with_masked_phones(staff, query, found):
    search(staff, query)
    html = page(staff.client.get("/staff"))
    listed = [c["case_no"] for c in CASES if f'href="/staff/cases/{c["case_no"]}"' in html]
    assert sorted(listed) == sorted(found)
    if len(found) > 1:
        assert html.index(found[0]) < html.index(found[1])
    assert f"找到 {len(found)} 件" in html
    for c in CASES:
        assert c["contact_phone"] not in html
    if "RF-2026-0042" in found:
        assert "139****5678" in html


def test_a_search_with_no_match_says_so(staff):
    search(staff, "不存在的公司")
    html = page(staff.client.get("/staff"))
    assert "找到 0 件" in html and "没有找到相符的办件" in html


def test_wildcards_in_a_query_are_taken_literally(staff):
    search(staff, "%")
    assert "找到 0 件" in page(staff.client.get("/staff"))


def test_coming_back_to_the_console_shows_the_list_again_without_a_second_search(staff, db_path):
    search(staff, "有限公司")
    staff.client.get("/staff/cases/RF-2026-0042")
    html = page(staff.client.get("/staff"))  # the back button, or the nav link
    assert "找到 2 件" in html and 'href="/staff/cases/RF-2026-0043"' in html
    assert 'value="有限公司"' not in html  # the box starts empty, ready for the next call
    assert [r["action"] for r in audit_rows(db_path)] == ["search", "view"]


# ---- a case in full --------------------------------------------------------------------------------


def test_the_case_page_shows_everything_but_the_full_phone(staff):
    response = staff.client.get("/staff/cases/rf-2026-0042")
    html = page(response)
    assert response.status_code == 200
    for expected in ("上海某某置业有限公司", "赵巷某住宅项目", "待补正", "人防工程施工图设计文件", "2026-12-10",
                     "139****5678", "显示完整号码", "状态记录"):
        assert expected in html, expected
    assert "13912345678" not in html
    assert "310101199001011234" not in html and "310101********1234" in html  # notes are masked too


def test_an_unknown_case_gets_a_chinese_404_page(staff):
    response = staff.client.get("/staff/cases/RF-2026-9999")
    assert response.status_code == 404
    assert "没有找到办件 RF-2026-9999" in page(response)


def test_reveal_shows_the_full_phone_once_and_is_audited(staff, db_path):
    response = staff.client.post("/staff/cases/RF-2026-0042/reveal", data={"csrf_token": staff.csrf("/staff")})
    assert response.status_code == 302  # post/redirect/get: a reload cannot reveal (and audit) again
    assert "13912345678" in page(staff.client.get(response.headers["Location"]))
    assert [r["action"] for r in audit_rows(db_path) if r["case_no"] == "RF-2026-0042"] == ["reveal"]
    again = page(staff.client.get("/staff/cases/RF-2026-0042"))
    assert "13912345678" not in again and "139****5678" in again  # masked again, not an error page


def test_every_search_view_and_reveal_is_audited_with_user_and_client(staff, db_path):
    search(staff, "置业")
    staff.client.get(search(staff, "rf-2026-0043").headers["Location"])
    staff.client.post("/staff/cases/RF-2026-0042/reveal", data={"csrf_token": staff.csrf("/staff")})
    rows = audit_rows(db_path)
    assert [(r["action"], r["case_no"], r["detail"]) for r in rows] == [
        ("search", None, "置业"),
        ("search", "RF-2026-0043", "rf-2026-0043"),
        ("view", "RF-2026-0043", None),
        ("reveal", "RF-2026-0042", "完整联系电话"),
    ]
    assert {r["user"] for r in rows} == {"wang"} and {r["client"] for r in rows} == {"127.0.0.1"}


def test_a_phone_number_typed_into_the_search_is_masked_in_the_audit_log(staff, db_path):
    search(staff, "13912345678")
    assert audit_rows(db_path)[-1]["detail"] == "139****5678"


def test_staff_pages_are_never_cached(staff):
    for path in ("/staff", "/staff/cases/RF-2026-0042", "/staff/login"):
        assert staff.client.get(path).headers["Cache-Control"] == "no-store"


# ---- logging out -----------------------------------------------------------------------------------


def test_logout_ends_the_session(staff):
    response = staff.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    assert "您已安全退出" in page(staff.client.get("/staff/login"))
    assert staff.client.get("/staff").status_code == 302
    assert staff.client.get("/staff/cases/RF-2026-0042").status_code == 302


def test_logout_without_the_csrf_token_is_refused(staff):
    assert staff.client.post("/staff/logout").status_code == 400
    assert staff.client.get("/staff").status_code == 200
