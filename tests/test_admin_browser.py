"""The administrators' pages in a real Chromium against a real gunicorn: the dashboard draws its charts
and lists a missing question asked five ways as one row with its count; the row opens its
conversations and one click makes the question a variant; accounts and the audit log; axe finds
nothing serious on any of them, and the Content-Security-Policy refuses nothing.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from live_server import BROWSER, TEST_CASE, chromium, horizontal_overflow, serious_violations, start_site
from playwright.sync_api import expect

pytestmark = BROWSER

PASSWORD = "admin-password-2026"
CAT = ["猫丢了怎么办", "猫丢了怎么办", "我家的猫丢了怎么办", "猫丢了怎么办？", "请问猫丢了怎么办", "我的猫跑丢了怎么办啊"]


def chat(base: str, message: str, conversation_id: str | None = None) -> dict:
    body = json.dumps({"message": message, "conversation_id": conversation_id}).encode()
    request = urllib.request.Request(f"{base}/api/chat", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Two workers, one administrator; people have asked about a lost cat six times, five ways, and a few
    other things."""
    with start_site(tmp_path_factory.mktemp("admin-browser"), [TEST_CASE], {"chen": ("admin", PASSWORD)}) as base:
        for question in CAT:
            chat(base, question)
        answered = chat(base, "易地建设费能退吗")
        chat(base, "不是这个", answered["conversation_id"])
        chat(base, "地下室可以开火锅店吗")
        chat(base, "结建审批要多久")
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def eventually(check, seconds: float = 12) -> bool:
    """True once `check()` is; every worker serves a knowledge edit within 10 seconds (the contract)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def watch(page) -> list[str]:
    """Script errors, failed requests and anything the CSP refused (inline style or script)."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(f"{r.status} {r.url}"),
    )
    return problems


def accessible(page) -> None:
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def login(page, server: str, path: str) -> None:
    page.goto(server + path)
    page.get_by_label("用户名").fill("chen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(server + path)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 360, "height": 740}])
def test_the_dashboard_draws_charts_and_lists_the_missing_question_once_with_its_count(browser, server, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    try:
        login(page, server, "/admin")
        chart = page.get_by_role("img", name="近 30 天每天的提问数")
        expect(chart).to_be_visible()
        assert chart.locator("rect.chart__bar").count() >= 1  # today's column is drawn
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 60
        expect(page.get_by_role("img", name="近 30 天的回答情况")).to_be_visible()

        gaps = page.get_by_role("region", name="待改进的问题表格")
        row = gaps.get_by_role("row").filter(has=page.get_by_role("link", name="猫丢了怎么办", exact=True))
        expect(row).to_have_count(1)  # five wordings, one row
        expect(row.get_by_role("cell").first).to_have_text("6")
        expect(row).to_contain_text("另有 4 种问法")
        page.screenshot(path=f"/tmp/admin-dashboard-{viewport['width']}.png", full_page=True)
        expect(gaps).to_contain_text("易地建设费能退吗")  # rejected with 不是这个
        expect(gaps.get_by_role("link", name="不是这个")).to_have_count(0)  # the rejection itself is no row
        assert horizontal_overflow(page) <= 0
        accessible(page)
        assert problems == []
    finally:
        context.close()


def test_a_row_opens_its_conversations_and_one_click_makes_it_a_variant(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems = watch(page)
    try:
        login(page, server, "/admin/fix")
        page.get_by_role("link", name="地下室可以开火锅店吗").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("地下室可以开火锅店吗")
        expect(page.locator(".conversation__line--flagged")).to_contain_text("（本问题）")
        accessible(page)

        page.get_by_label("加到").select_option("use-filing/need-filing")
        page.get_by_role("button", name="加为问法").click()
        expect(page.get_by_role("status")).to_contain_text("已把“地下室可以开火锅店吗”加为")
        assert eventually(lambda: chat(server, "地下室可以开火锅店吗")["item_id"] == "use-filing")
        assert eventually(lambda: page.reload() and "已能回答" in page.locator("main").inner_text())
        assert problems == []
    finally:
        context.close()


def test_accounts_and_the_audit_log_work_and_are_accessible(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = watch(page)
    try:
        login(page, server, "/admin/users")
        accessible(page)
        form = page.locator("form.user-add")
        form.get_by_label("用户名").fill("wang")
        form.get_by_label("角色").select_option("staff")
        form.get_by_label("密码", exact=True).fill("window-clerk-2026")
        form.get_by_label("再次输入密码").fill("window-clerk-2026")
        form.get_by_role("button", name="新建账号").click()
        expect(page.get_by_role("status")).to_contain_text("已创建窗口人员账号：wang")
        expect(page.get_by_role("row", name="wang")).to_contain_text("正常")

        page.get_by_role("row", name="wang").get_by_role("button", name="停用").click()
        expect(page.get_by_role("row", name="wang")).to_contain_text("已停用")
        accessible(page)

        page.get_by_role("link", name="审计日志").click()
        expect(page).to_have_url(server + "/admin/audit")
        accessible(page)
        page.get_by_label("操作").select_option("user_disable")
        page.get_by_role("button", name="筛选").click()
        expect(page.get_by_text("共 1 条")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="停用账号")).to_contain_text("wang（窗口人员）")
        accessible(page)
        assert horizontal_overflow(page) <= 0
        assert problems == []
    finally:
        context.close()
