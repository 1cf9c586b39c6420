"""The staff console in a real Chromium against a real gunicorn: log in, look a case up, stay accessible.

The account is made with `assistant users add` and the case with `assistant cases import`, as the
office does it. The server and browser come from live_server.py, shared with test_browser.py.
"""

from __future__ import annotations

import json

import pytest
from live_server import BROWSER, TEST_CASE, chromium, horizontal_overflow, serious_violations, start_site
from playwright.sync_api import expect

pytestmark = BROWSER

PASSWORD = "window-clerk-2026"

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A gunicorn with two workers, one staff account and one imported case."""
    with start_site(tmp_path_factory.mktemp("staff-browser"), [TEST_CASE], {"wang": ("staff", PASSWORD)}) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def test_a_clerk_logs_in_on_a_phone_finds_a_case_by_number_and_reveals_the_phone(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []  # script errors, failed requests, anything the CSP refused (inline style or script)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text and problems.append(m.text))
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(f"{r.status} {r.url}"),
    )
    try:
        page.goto(server + "/staff")
        expect(page).to_have_url(server + "/staff/login?next=/staff")
        expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
        expect(page.get_by_label("用户名")).to_be_focused()
        page.get_by_label("用户名").fill("wang")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()

        expect(page).to_have_url(server + "/staff")
        search = page.get_by_label("办件编号")
        expect(search).to_be_focused()  # the clerk can type as soon as the page is there
        assert horizontal_overflow(page) <= 0
        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

        search.fill("rf-test-0001")
        search.press("Enter")  # a whole case number and Enter: straight to the case
        expect(page).to_have_url(server + "/staff/cases/RF-TEST-0001")
        expect(page.get_by_role("heading", level=1)).to_contain_text("RF-TEST-0001")
        expect(page.get_by_text("测试建设有限公司")).to_be_visible()
        expect(page.get_by_text("人防工程施工图设计文件").first).to_be_visible()
        expect(page.get_by_text("139****5678")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("13912345678")
        assert horizontal_overflow(page) <= 0
        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

        page.get_by_role("button", name="显示完整号码").click()
        expect(page.get_by_text("13912345678")).to_be_visible()
        expect(page.get_by_text("已记入审计日志")).to_be_visible()

        page.get_by_role("button", name="退出登录").click()
        expect(page).to_have_url(server + "/staff/login")
        expect(page.get_by_role("status")).to_have_text("您已安全退出。")
        assert problems == []
    finally:
        context.close()
