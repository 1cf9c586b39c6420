"""The knowledge editor in a real Chromium against a real gunicorn (two workers, one database).

An administrator changes an entry's answer in the form, tries a question with the unsaved text, saves;
the public chat answers with the new text from every worker within 10 seconds. An invalid save is
refused with the field named. A rollback from the history page brings the old text back.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
from live_server import BROWSER, TEST_CASE, chromium, horizontal_overflow, serious_violations, start_site
from playwright.sync_api import expect

pytestmark = BROWSER

PASSWORD = "knowledge-admin-2026"
QUESTION = "易地建设费是什么费"  # offsite-fee's first entry answers it
NEW_TEXT = "【浏览器测试】易地建设费就是民防工程建设费，不建防空地下室时按规定缴纳。"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("editor-browser")
    # The tests poll the public chat (12 questions a round, every 0.3 s) from one address, far above
    # the per-client limit a person never reaches; the limit has its own tests.
    with start_site(tmp, [TEST_CASE], {"chen": ("admin", PASSWORD)}, env={"ASSISTANT_CHAT_PER_MINUTE": "100000"}) as base:
        yield base, tmp / "knowledge"


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def public_reply(base: str, question: str = QUESTION) -> str:
    request = urllib.request.Request(
        base + "/api/chat", data=json.dumps({"message": question}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)["reply"]


def versions_served(base: str, times: int = 12) -> set:
    found = set()
    for _ in range(times):
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            found.add(json.load(response)["knowledge_version"])
    return found


def every_worker_says(base: str, text: str, present: bool, within: float = 10.0) -> float:
    """Seconds until 12 replies in a row (spread over both workers) have, or lack, `text`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if all((text in public_reply(base)) == present for _ in range(12)):
            return time.monotonic() - started
        time.sleep(0.3)
    pytest.fail(f"not every worker {'serves' if present else 'dropped'} “{text}” within {within} s")


def no_serious_violations(page) -> None:
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_an_admin_edits_tries_saves_and_rolls_back_and_the_public_follows(browser, server):
    base, knowledge = server
    original = public_reply(base)
    assert NEW_TEXT not in original
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []  # script errors, and anything the CSP refused
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text and problems.append(m.text))
    page.on("dialog", lambda d: d.accept())  # leaving the page with unsaved changes
    try:
        page.goto(base + "/staff/login?next=/admin/knowledge")
        page.get_by_label("用户名").fill("chen")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name="知识库", exact=True)).to_be_visible()
        no_serious_violations(page)

        page.get_by_label("按名称、简称、其他叫法或 id 查找").fill("易地费")
        page.get_by_role("button", name="查找").click()
        page.get_by_role("link", name="民防工程建设费（防空地下室易地建设费）").click()
        expect(page.get_by_label("正式名称")).to_have_value("民防工程建设费（防空地下室易地建设费）")
        no_serious_violations(page)
        assert horizontal_overflow(page) <= 0

        # edit the first entry's answer (entries are folded: open it with the keyboard)
        entry = page.locator("details.kb-object").first
        entry.locator("summary").focus()
        page.keyboard.press("Enter")
        answer = entry.get_by_label("直接回答（先说结论）")
        answer.fill(NEW_TEXT)

        # try it before saving: the draft answers, the public does not yet
        page.get_by_label("用左边修改后（尚未保存）的内容回答这个问题").fill(QUESTION)
        page.get_by_role("button", name="试一试", exact=True).click()
        result = page.locator("#try-result")
        expect(result).to_contain_text(NEW_TEXT, timeout=30_000)  # the draft gets its own index: a second or two
        expect(result).to_contain_text("直接回答")
        expect(result).to_contain_text("（本事项）")
        expect(result).to_contain_text("个示例问题中")
        assert NEW_TEXT not in public_reply(base)

        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("#editor-status")).to_contain_text("已保存", timeout=20_000)
        took = every_worker_says(base, NEW_TEXT, True)
        assert took < 10
        assert len(versions_served(base)) == 1  # every worker names the same version

        # the public chat page shows it too
        public = context.browser.new_context(locale="zh-CN").new_page()
        public.goto(base + "/")
        expect(public.locator("html.js")).to_have_count(1)
        public.get_by_label("您的问题").fill(QUESTION)
        public.get_by_label("您的问题").press("Enter")
        expect(public.get_by_role("log").locator(".msg--assistant").last).to_contain_text(NEW_TEXT, timeout=10_000)
        public.context.close()

        # an invalid save is refused, the field named, nothing written
        path = knowledge / "items" / "offsite-fee.yaml"
        saved_text = path.read_text(encoding="utf-8")
        entry = page.locator("details.kb-object").first
        entry.locator("summary").click()
        entry.get_by_label("直接回答（先说结论）").fill("短")
        page.get_by_role("button", name="保存", exact=True).click()
        errors = page.locator("#editor-errors")
        expect(errors).to_be_visible()
        expect(errors).to_contain_text("问题条目第 1 条的“直接回答”：内容太短")
        expect(errors).to_be_focused()
        invalid = entry.get_by_label("直接回答（先说结论）")
        expect(invalid).to_have_attribute("aria-invalid", "true")
        errors.get_by_role("link").first.click()  # the summary's link takes the keyboard to the field
        expect(invalid).to_be_focused()
        assert path.read_text(encoding="utf-8") == saved_text

        # roll back to the first version from the history page
        page.get_by_role("link", name="本事项的版本历史").click()
        expect(page.get_by_role("heading", name="知识库版本历史")).to_be_visible()
        expect(page.locator(".kb-version")).to_have_count(1)  # this item's one change: served, so no button
        no_serious_violations(page)
        page.get_by_role("link", name="显示全部文件的版本").click()
        page.get_by_role("button", name=re.compile("回滚到版本")).last.click()
        expect(page.locator(".notice")).to_contain_text("已恢复为版本")
        every_worker_says(base, NEW_TEXT, False)
        assert public_reply(base) == original
        assert len(versions_served(base)) == 1
        assert problems == [], problems
    finally:
        context.close()


def logged_in(browser, base: str, path: str, width: int = 1280, height: int = 900):
    """A new browser context whose page has logged in as the administrator and landed on `path`."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda d: d.accept())  # leaving the page with unsaved changes
    page.goto(f"{base}/staff/login?next={path}")
    page.get_by_label("用户名").fill("chen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    return context, page


def test_the_editor_lists_rows_that_move_with_the_keyboard(browser, server):
    base, _ = server
    context, page = logged_in(browser, base, "/admin/knowledge/items/siren-test", 390, 844)
    try:
        aliases = page.locator('fieldset.kb-list[data-path="aliases"]')
        expect(aliases).to_be_visible()
        first = aliases.locator(".kb-row__value").first
        second_value = aliases.locator(".kb-row__value").nth(1).input_value()
        down = aliases.get_by_role("button", name=re.compile(r"^下移\s?（其他叫法第 1 条）"))
        down.focus()
        page.keyboard.press("Enter")
        expect(aliases.locator(".kb-row__value").first).to_have_value(second_value)
        expect(page.locator("#editor-status")).to_have_text("已移到第 2 条")
        expect(aliases.get_by_role("button", name=re.compile(r"^下移\s?（其他叫法第 2 条）"))).to_be_focused()
        aliases.get_by_role("button", name=re.compile("^添加一条")).click()
        expect(aliases.locator(".kb-row__value").last).to_be_focused()
        assert first is not None
        no_serious_violations(page)
        assert horizontal_overflow(page) <= 0
    finally:
        context.close()


def test_a_gap_on_the_dashboard_opens_its_field_and_filling_it_answers_the_public(browser, server):
    base, _ = server
    hours_question = "人防窗口几点开门几点下班"
    assert "暂未收录" in public_reply(base, hours_question)  # asked: the gap now has demand
    context, page = logged_in(browser, base, "/admin")
    try:
        gaps = page.locator("section", has=page.get_by_role("heading", name="待补充的信息"))
        expect(gaps).to_be_visible()
        expect(gaps.locator("#chart-unknown")).to_have_count(1)
        no_serious_violations(page)

        gaps.get_by_role("link", name=re.compile("填写\\s*：人防窗口的开放时间")).click()
        value = page.locator('[data-path="facts.2.value"]')
        expect(value).to_be_focused()
        value.fill("工作日上午9:00至下午5:00（浏览器测试）")
        page.locator('[data-path="facts.2.source"]').fill("办公室提供（浏览器测试）")
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("#editor-status")).to_contain_text("已保存", timeout=20_000)

        started = time.monotonic()
        while "人防窗口的开放时间：工作日上午9:00至下午5:00（浏览器测试）。" not in public_reply(base, hours_question):
            assert time.monotonic() - started < 10, "the filled fact did not reach the public within 10 s"
            time.sleep(0.3)
    finally:
        context.close()
