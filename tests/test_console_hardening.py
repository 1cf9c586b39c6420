"""Fixes found by probing the staff console (issue 8, part 5); each test here failed before its fix.

A session ends for good at logout, a new password and a disable; HEAD never logs anyone in; the
failure limits hold under concurrent guessing; the audit log refuses `INSERT OR REPLACE`; a case
number with `/` imports and opens; a reveal is audited once however often the page is reloaded;
the case page speaks to staff, not to the applicant; the 403 page keeps the console's header.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from conftest import PASSWORD

from assistant import accounts, audit, staff_cases
from assistant.auth import login_required
from assistant.cases import STATUSES
from assistant.db import connect
from assistant.importer import import_file
from assistant.knowledge import load
from assistant.workdays import office_today

CASE = {
    "case_no": "RF-2026-0042",
    "item_id": "shelter-build-approval",
    "applicant": "上海某某置业有限公司",
    "contact_phone": "13912345678",
    "submitted_at": "2026-10-12",
    "status": "needs_supplement",
    "project_name": "赵巷某住宅项目",
    "missing_materials": ["人防工程施工图设计文件"],
    "supplement_due": "2026-12-10",
}
OTHER = {**CASE, "case_no": "RF-2026-0043", "contact_phone": "13800001111", "status": "in_review"}
NEW_PASSWORD = "another-password-2"


JSON_ROUTES = ["/api/staff-only", "/staff/api/staff-only"]


@pytest.fixture
def app(app):
    """The real app with JSON routes behind `login_required`, as the desk's /staff/api routes are."""
    for path in JSON_ROUTES:
        app.add_url_rule(path, path, login_required(lambda: {"ok": True}))
    return app


def write_cases(tmp_path, rows: list[dict], name: str = "cases.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def cases(app, db_path, knowledge_dir, tmp_path):
    import_file(connect(db_path), load(knowledge_dir), write_cases(tmp_path, [CASE, OTHER]))


@pytest.fixture
def staff(auth, cases):
    """A logged-in window clerk."""
    auth.create("wang", "staff")
    assert auth.login("wang").status_code == 302
    return auth


def page(response) -> str:
    return response.get_data(as_text=True)


def rows(db_path, sql: str) -> list[dict]:
    return list(connect(db_path).query(sql))


def reveals(db_path) -> list[dict]:
    return rows(db_path, "select * from audit_log where action = 'reveal'")


# ---- 1. a session ends for good ----------------------------------------------------------------------


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(client, cookie: str):
    """Put a copied session cookie back, as someone who kept it would."""
    client.set_cookie("session", cookie)


def assert_session_is_dead(client, cookie: str, db_path, csrf_token: str | None = None):
    replay(client, cookie)
    response = client.get("/staff")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")
    for path in JSON_ROUTES:
        replay(client, cookie)
        response = client.get(path)
        assert response.status_code == 401 and response.get_json() == {"error": "请先登录。"}
    if csrf_token is not None:
        replay(client, cookie)
        response = client.post("/staff/cases/RF-2026-0042/reveal", data={"csrf_token": csrf_token})
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")
        assert "13912345678" not in page(response)
        assert reveals(db_path) == []


def test_an_old_session_cookie_opens_nothing_after_logout(staff, db_path):
    old, token = session_cookie(staff.client), staff.csrf("/staff")
    assert [staff.client.get(path).status_code for path in JSON_ROUTES] == [200, 200]
    staff.logout()
    assert_session_is_dead(staff.client, old, db_path, csrf_token=token)


def test_logging_in_again_after_logout_works_but_does_not_revive_the_old_cookie(staff, db_path):
    old = session_cookie(staff.client)
    staff.logout()
    assert staff.login("wang").status_code == 302
    fresh = session_cookie(staff.client)
    assert staff.client.get("/staff").status_code == 200
    assert_session_is_dead(staff.client, old, db_path)
    replay(staff.client, fresh)
    assert staff.client.get("/staff").status_code == 200


def test_a_new_password_ends_every_open_session(runner, staff, db_path):
    old, token = session_cookie(staff.client), staff.csrf("/staff")
    result = runner.invoke(["users", "passwd", "wang", "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert_session_is_dead(staff.client, old, db_path, csrf_token=token)
    assert staff.login("wang", NEW_PASSWORD).status_code == 302


def test_disable_then_enable_does_not_bring_an_old_session_back(runner, staff, db_path):
    old, token = session_cookie(staff.client), staff.csrf("/staff")
    assert runner.invoke(["users", "disable", "wang"]).exit_code == 0
    assert runner.invoke(["users", "enable", "wang"]).exit_code == 0  # before the old cookie is used again
    assert_session_is_dead(staff.client, old, db_path, csrf_token=token)
    assert staff.login("wang").status_code == 302  # the account itself works again


def test_a_session_from_before_session_versions_or_of_a_changed_account_is_ended(db_path, auth):
    user = auth.create("wang", "staff")
    db = connect(db_path)
    assert accounts.session_user(db, user.get_id()) == user
    assert accounts.session_user(db, str(user.id)) is None  # a cookie from before this fix
    accounts.end_sessions(db, user.id)
    assert accounts.session_user(db, user.get_id()) is None
    assert accounts.session_user(db, accounts.get_user(db, user.id).get_id()) is not None


# ---- 2. HEAD never logs in -----------------------------------------------------------------------------


@pytest.mark.parametrize("with_token", [False, True])
def test_head_with_login_form_fields_never_logs_in_nor_counts_a_failure(auth, db_path, with_token):
    auth.create("wang", "staff")
    token = auth.csrf()
    for password in (PASSWORD, "wrong-password-1"):
        data = {"name": "wang", "password": password}
        if with_token:
            data["csrf_token"] = token
        response = auth.client.open("/staff/login", method="HEAD", data=data)
        # With the token: the form, nothing else. Without: a body on a HEAD is a disguised POST.
        assert response.status_code == (200 if with_token else 400)
        assert "Location" not in response.headers
        assert auth.client.get("/staff").status_code == 302  # not logged in
    assert rows(db_path, "select * from login_failures") == []  # no password was even checked


def test_a_plain_head_of_the_login_page_still_works(client):
    response = client.head("/staff/login")
    assert response.status_code == 200 and response.get_data() == b""


# ---- 3. failure limits under concurrency ---------------------------------------------------------------


def race(count: int, prepare):
    """Run `count` attempts at once: `prepare()` (per thread) returns the attempt, fired together."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def worker():
        try:
            attempt = prepare()
            barrier.wait(timeout=30)
            results.append(attempt())
        except Exception as e:  # reported below, not lost in a thread
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_concurrent_wrong_guesses_on_one_case_evaluate_at_most_the_limit(app, cases, db_path):
    limit = app.config["LOOKUP_FAILURES_PER_CASE"]

    def prepare():
        client = app.test_client()  # each request gets its own connection (db.get_db)
        return lambda: client.post(
            "/api/cases/lookup", json={"case_no": "RF-2026-0042", "phone_last4": "0000"}
        ).status_code

    statuses = Counter(race(40, prepare))
    assert statuses == {404: limit, 429: 40 - limit}
    assert len(rows(db_path, "select * from lookup_failures")) == limit


def test_concurrent_wrong_logins_evaluate_at_most_the_limit(app, auth, db_path):
    auth.create("wang", "staff")

    def prepare():
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page(client.get("/staff/login"))).group(1)
        data = {"name": "wang", "password": "guess-guess-guess", "csrf_token": token}
        return lambda: client.post("/staff/login", data=data).status_code

    statuses = Counter(race(40, prepare))
    assert statuses == {401: 5, 429: 35}
    assert len(rows(db_path, "select * from login_failures")) == 5


def test_the_right_password_after_a_race_of_wrong_ones_is_still_locked_out(app, auth):
    auth.create("wang", "staff")
    for _ in range(5):
        auth.login("wang", "guess-guess-guess")
    assert auth.login("wang").status_code == 429


# ---- 4. the audit log refuses REPLACE ------------------------------------------------------------------


def plain_connection(db_path) -> sqlite3.Connection:
    """The file opened as the sqlite3 shell or any other tool would: recursive triggers off (the default).

    sqlite-utils turns recursive triggers on, which makes REPLACE fire the delete trigger; a plain
    connection does not, and REPLACE then deletes the old row without firing it.
    """
    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma recursive_triggers").fetchone()[0] == 0
    return conn


@pytest.mark.parametrize("opened", ["plain", "sqlite-utils"])
@pytest.mark.parametrize(
    "statement",
    [
        "insert or replace into audit_log (id, at, user, action) values (:id, :at, 'nobody', 'view')",
        "replace into audit_log (id, at, user, action) values (:id, :at, 'nobody', 'view')",
        "insert into audit_log (id, at, user, action) values (:id, :at, 'nobody', 'view')",
    ],
)
def test_an_audit_entry_cannot_be_replaced(db_path, statement, opened):
    audit.record(connect(db_path), audit.Actor("wang", "10.0.0.7"), "reveal", "RF-1", detail="完整联系电话")
    before = rows(db_path, "select * from audit_log")
    conn = plain_connection(db_path) if opened == "plain" else connect(db_path).conn
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement, {"id": before[0]["id"], "at": before[0]["at"]})
    conn.commit()  # whatever the statement left behind would now be kept: nothing is
    conn.close()
    assert rows(db_path, "select * from audit_log") == before


def test_sqlite_utils_replace_cannot_overwrite_an_audit_entry_and_new_entries_still_append(db_path):
    db = connect(db_path)
    audit.record(db, audit.Actor("wang", "10.0.0.7"), "reveal", "RF-1")
    before = rows(db_path, "select * from audit_log")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db["audit_log"].insert({**before[0], "user": "nobody"}, replace=True)
    db.conn.rollback()
    audit.record(db, audit.Actor("li", "10.0.0.8"), "view", "RF-2")
    assert [e.user for e in audit.entries(db)] == ["wang", "li"]


# ---- 5. a case number with a slash ---------------------------------------------------------------------


def test_a_case_number_with_slashes_imports_and_opens_on_the_console(runner, auth, db_path, knowledge_dir, tmp_path):
    path = write_cases(tmp_path, [{**CASE, "case_no": "qp/2026/0042"}])
    result = runner.invoke(["cases", "import", str(path)])
    assert result.exit_code == 0, result.output
    auth.create("wang", "staff")
    auth.login("wang")
    token = auth.csrf("/staff")

    found = auth.client.post("/staff", data={"q": "QP/2026/0042", "csrf_token": token})
    assert found.headers["Location"] == "/staff/cases/QP/2026/0042"
    response = auth.client.get(found.headers["Location"])
    assert response.status_code == 200
    assert "办件 QP/2026/0042" in page(response) and "139****5678" in page(response)
    assert 'action="/staff/cases/QP/2026/0042/reveal"' in page(response)

    revealed = auth.client.post("/staff/cases/QP/2026/0042/reveal", data={"csrf_token": token})
    assert revealed.headers["Location"] == "/staff/cases/QP/2026/0042"
    assert "13912345678" in page(auth.client.get(revealed.headers["Location"]))
    assert [r["case_no"] for r in reveals(db_path)] == ["QP/2026/0042"]


@pytest.mark.parametrize(
    "case_no", ["/QP-2026-1", "QP-2026-1/", "QP//2026-1", "QP/../2026-1", "QP/./2026-1", "..", "QP／／2026-1"]
)
def test_a_case_number_no_address_can_carry_is_refused_at_import_with_file_and_line(runner,
    db_path, knowledge_dir, tmp_path, case_no
):
    path = write_cases(tmp_path, [{**CASE, "case_no": "RF-2026-0001"}, {**CASE, "case_no": case_no}])
    result = runner.invoke(["cases", "import", str(path)])
    assert result.exit_code == 1
    assert any(line.startswith(f"{path}:2: ") and "case_no" in line and "/" in line for line in result.output.splitlines())
    assert rows(db_path, "select * from cases") == []


# ---- 6. a reveal is audited once (post/redirect/get) ---------------------------------------------------


def test_a_reveal_then_reloads_write_one_reveal_entry(staff, db_path):
    response = staff.client.post("/staff/cases/RF-2026-0042/reveal", data={"csrf_token": staff.csrf("/staff")})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/cases/RF-2026-0042"
    shown = staff.client.get(response.headers["Location"])
    assert "13912345678" in page(shown) and "已记入审计日志" in page(shown)
    reloaded = staff.client.get(response.headers["Location"])
    assert "13912345678" not in page(reloaded) and "139****5678" in page(reloaded)
    assert len(reveals(db_path)) == 1
    actions = [r["action"] for r in rows(db_path, "select action from audit_log order by id")]
    assert actions == ["reveal", "view"]  # the page the reveal showed is its own entry; the reload a view


def test_a_reveal_shows_only_the_revealed_case(staff, db_path):
    staff.client.post("/staff/cases/RF-2026-0042/reveal", data={"csrf_token": staff.csrf("/staff")})
    other = page(staff.client.get("/staff/cases/RF-2026-0043"))
    assert "RF-2026-0043" in other and "138****1111" in other  # the other case, masked
    assert "13800001111" not in other and "13912345678" not in other
    again = page(staff.client.get("/staff/cases/RF-2026-0042"))
    assert "13912345678" not in again and "139****5678" in again  # used up
    assert len(reveals(db_path)) == 1


def test_a_reveal_of_an_unknown_case_is_a_404_and_not_audited(staff, db_path):
    response = staff.client.post("/staff/cases/RF-2026-9999/reveal", data={"csrf_token": staff.csrf("/staff")})
    assert response.status_code == 404
    assert reveals(db_path) == []


def test_a_reveal_shows_the_phone_only_to_its_author_and_only_right_after_it(cases, db_path, knowledge_dir):
    db, knowledge = connect(db_path), load(knowledge_dir)
    wang, li = audit.Actor("wang", "10.0.0.7"), audit.Actor("li", "10.0.0.8")
    revealed = staff_cases.reveal(db, "rf-2026-0042", wang)
    assert revealed.case_no == "RF-2026-0042"
    assert staff_cases.detail(db, knowledge, "RF-2026-0043", wang, revealed_by=revealed.entry_id).full_phone is None
    assert staff_cases.detail(db, knowledge, "RF-2026-0042", li, revealed_by=revealed.entry_id).full_phone is None
    later = datetime.now(UTC) + staff_cases.REVEAL_SHOWN_FOR + timedelta(seconds=5)
    stale = staff_cases.detail(db, knowledge, "RF-2026-0042", wang, revealed_by=revealed.entry_id, now=later)
    assert stale.full_phone is None
    shown = staff_cases.detail(db, knowledge, "RF-2026-0042", wang, revealed_by=revealed.entry_id)
    assert shown.full_phone == "13912345678"
    assert [(e.user, e.action) for e in audit.entries(db)] == [
        ("wang", "reveal"), ("wang", "view"), ("li", "view"), ("wang", "view")  # the shown page: no new entry
    ]


# ---- 7. the case page speaks to staff ------------------------------------------------------------------


def case_in(status: str, today) -> dict:
    row = {**CASE, "case_no": f"RF-{status}".upper().replace("_", "-"), "status": status}
    row["submitted_at"] = today.isoformat()
    if status == "needs_supplement":
        row["supplement_due"] = today.isoformat()
    else:
        row.pop("missing_materials")
        row.pop("supplement_due")
    return row


def test_the_case_page_speaks_to_staff_in_every_status(auth, db_path, knowledge_dir, tmp_path):
    today = office_today()
    import_file(connect(db_path), load(knowledge_dir), write_cases(tmp_path, [case_in(s, today) for s in STATUSES]))
    auth.create("wang", "staff")
    auth.login("wang")
    for status in STATUSES:
        html = page(auth.client.get(f"/staff/cases/{case_in(status, today)['case_no']}"))
        main = html[html.index("<main"):html.index("</main>")]
        # The reminder texts are messages to send to the applicant, quoted as such: the rest is for staff.
        quoted = re.findall(r'<p class="reminders__text">.*?</p>', main, flags=re.S)
        staff_text = re.sub(r'<p class="reminders__text">.*?</p>', "", main, flags=re.S)
        assert "您" not in staff_text, (status, staff_text)
        assert all("您好" in q for q in quoted)
        if status == "needs_supplement":
            assert "申请人需要补正" in staff_text and quoted


# ---- 8. the 403 page keeps the console's header --------------------------------------------------------


def test_staff_opening_the_admin_dashboard_get_a_403_inside_the_console(auth):
    auth.create("wang", "staff")
    auth.login("wang")
    response = auth.client.get("/admin")
    html = page(response)
    assert response.status_code == 403
    assert "您没有访问这个页面的权限" in html
    assert 'class="staff-nav"' in html and "wang（窗口人员）" in html and "退出登录" in html
    assert 'href="/staff"' in html


def test_other_console_errors_keep_the_header_and_public_errors_do_not_get_it(app, staff):
    missing = staff.client.get("/staff/cases/RF-2026-9999")
    assert missing.status_code == 404 and 'class="staff-nav"' in page(missing)
    public = app.test_client().get("/no-such-page")
    assert public.status_code == 404 and 'class="staff-nav"' not in page(public)
    assert "返回咨询首页" in page(public)
