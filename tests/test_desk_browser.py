"""The answer desk in a real Chromium against a real gunicorn: a clerk answers a phone enquiry.

Typed 易地费 shows the card at once; its copy button puts the plain text on the clipboard; a phone
enquiry is logged from the card; the last four digits of a phone find the case, and coming back from
the case shows the same results without a second search.
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
    with start_site(tmp_path_factory.mktemp("desk-browser"), [TEST_CASE], {"wang": ("staff", PASSWORD)}) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def test_a_clerk_types_a_fragment_copies_the_card_and_finds_a_case_by_phone_digits(browser, server):
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server + "/staff/login")
        page.get_by_label("用户名").fill("wang")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(server + "/staff")

        box = page.get_by_label("办件编号")
        box.press_sequentially("易地费", delay=40)  # as typed: results come without pressing Enter
        card = page.locator(".answer-card").first
        expect(card.get_by_role("heading", level=3)).to_contain_text("易地建设费")
        expect(page.get_by_role("status").first).to_contain_text("条答复")
        expect(card.locator("details summary").first).to_be_visible()  # the whole 办事指南, folded

        card.get_by_role("button", name="复制").click()
        expect(card.get_by_role("button", name="已复制")).to_be_visible()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert "易地建设费" in copied and "**" not in copied and "【" in copied

        card.get_by_role("button", name="已解答").click()
        expect(card.get_by_text("已记录：已解答")).to_be_visible()

        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
        assert horizontal_overflow(page) <= 0

        box.fill("")
        box.press_sequentially("5678", delay=40)  # the last four digits of the contact phone
        result = page.locator(".desk-section", has_text="办件").get_by_role("link", name="RF-TEST-0001")
        expect(result).to_be_visible()
        expect(page.get_by_text("139****5678")).to_be_visible()
        result.click()
        expect(page).to_have_url(server + "/staff/cases/RF-TEST-0001")

        page.go_back()
        expect(page.get_by_label("办件编号")).to_have_value("5678")
        expect(page.get_by_role("link", name="RF-TEST-0001")).to_be_visible()
        assert errors == []
    finally:
        context.close()
