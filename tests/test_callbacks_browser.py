"""A callback request end to end, in a real Chromium against a real gunicorn (two workers).

A citizen the chat cannot help leaves a request (consent ticked) and gets a reference; a clerk finds
it at /staff/callbacks with the phone masked, takes it and closes it with a note; the citizen's
reference then tells them it has been dealt with. Both pages stay free of serious axe findings.
"""

from __future__ import annotations

import json
import re

import pytest
from live_server import BROWSER, TEST_CASE, chromium, horizontal_overflow, serious_violations, start_site
from playwright.sync_api import expect

pytestmark = BROWSER

PASSWORD = "window-clerk-2026"
REFERENCE = re.compile(r"留言编号：([2-9][0-9]{2}-[0-9]{3}-[0-9]{3})")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A gunicorn with two workers and one staff account."""
    with start_site(tmp_path_factory.mktemp("callbacks-browser"), [TEST_CASE], {"wang": ("staff", PASSWORD)}) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def watch(page) -> list[str]:
    """Script errors, failed requests and console errors (what the CSP refuses shows up there)."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text and problems.append(m.text))
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(f"{r.status} {r.url}"),
    )
    return problems


def ask(page, text: str):
    """Send a question with Enter; returns the assistant's reply."""
    replies = page.get_by_role("log").locator(".msg--assistant")
    before = replies.count()
    box = page.get_by_label("您的问题")
    box.fill(text)
    box.press("Enter")
    expect(replies).to_have_count(before + 1)
    expect(page.get_by_role("log")).to_have_attribute("aria-busy", "false")
    return replies.nth(before)  # this reply, not whichever comes last later


def test_a_declined_citizen_leaves_a_request_and_a_clerk_takes_and_closes_it(browser, server):
    citizen = browser.new_context(viewport={"width": 1024, "height": 800}, locale="zh-CN", reduced_motion="reduce")
    clerk = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", reduced_motion="reduce")
    try:
        chat = citizen.new_page()
        chat.set_default_timeout(10_000)
        chat_problems = watch(chat)
        posted: list[str] = []
        chat.on("request", lambda r: r.url.endswith("/api/callbacks") and posted.append(r.post_data or ""))
        chat.goto(server + "/")
        expect(chat.locator("html.js")).to_have_count(1)

        # Declined: the reply offers a callback, and the form comes prefilled with the question.
        declined = ask(chat, "今天股票涨不涨")
        expect(declined).to_contain_text("抱歉")
        opener = declined.get_by_role("button", name="留言，请工作人员回电")
        expect(opener).to_have_attribute("aria-expanded", "false")
        opener.click()
        form = chat.get_by_role("region", name="留言，请工作人员回电")
        expect(form).to_be_visible()
        expect(opener).to_have_attribute("aria-expanded", "true")
        expect(form.get_by_label("您的称呼")).to_be_focused()
        expect(form.get_by_label("您想咨询的问题")).to_have_value("今天股票涨不涨")

        form.get_by_label("您的称呼").fill("王先生")
        form.get_by_label("联系电话").fill("１３９ １２３４ ５６７８")
        form.get_by_label("方便接听的时间（选填）").fill("工作日下午")
        form.get_by_label("您想咨询的问题").fill("地下室想改成仓库，要办什么手续？")
        # Without the consent ticked nothing is sent, and the box says why.
        form.get_by_role("button", name="提交留言").click()
        consent = form.get_by_label("我同意工作人员使用以上电话与我联系")
        expect(consent).to_be_focused()
        expect(form.get_by_text("请勾选同意，工作人员才能给您回电。")).to_be_visible()
        assert posted == []
        violations = serious_violations(chat)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

        consent.check()
        replies = chat.get_by_role("log").locator(".msg--assistant")
        before = replies.count()
        form.get_by_role("button", name="提交留言").click()
        expect(replies).to_have_count(before + 1)
        done = replies.nth(before)
        expect(done).to_contain_text("已收到您的留言")
        reference = REFERENCE.search(done.inner_text()).group(1)
        expect(done.locator("strong")).to_have_text(reference)
        assert done.locator("a").count() == 0  # the reference is not taken for a phone number to dial
        expect(form).to_be_hidden()
        expect(opener).to_be_focused()  # focus is not lost with the form
        expect(chat.locator("#callback-phone")).to_have_value("")  # the phone leaves the page once sent
        expect(chat.get_by_role("log")).not_to_contain_text("5678")
        assert json.loads(posted[0])["consent"] is True

        expect(ask(chat, reference)).to_contain_text("待处理")

        # The clerk, on a phone: the request is listed with the phone masked.
        desk = clerk.new_page()
        desk.set_default_timeout(10_000)
        desk_problems = watch(desk)
        desk.goto(server + "/staff/callbacks")
        expect(desk).to_have_url(server + "/staff/login?next=/staff/callbacks")
        desk.get_by_label("用户名").fill("wang")
        desk.get_by_label("密码").fill(PASSWORD)
        desk.get_by_role("button", name="登录").click()
        expect(desk).to_have_url(server + "/staff/callbacks")
        expect(desk.get_by_role("link", name="回电请求")).to_have_attribute("aria-current", "page")
        card = desk.locator(f"#callback-{reference}")
        expect(card.get_by_role("heading", level=2)).to_contain_text(reference)
        expect(card).to_contain_text("王先生")
        expect(card).to_contain_text("地下室想改成仓库")
        expect(card).to_contain_text("工作日下午")
        expect(card.get_by_text("139****5678")).to_be_visible()
        expect(desk.locator("main")).not_to_contain_text("13912345678")
        assert horizontal_overflow(desk) <= 0
        violations = serious_violations(desk)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

        card.get_by_role("button", name="我来跟进").click()
        expect(desk.get_by_role("status")).to_contain_text(f"您已接手回电请求 {reference}")
        expect(card).to_contain_text("wang 正在跟进")
        expect(ask(chat, f"留言编号 {reference} 怎么样了")).to_contain_text("已有工作人员跟进")

        card.get_by_label("处理情况").fill("已回电，告知地下室改变用途需办理的手续")
        card.get_by_role("button", name="办结").click()
        expect(desk.get_by_role("status")).to_contain_text(f"回电请求 {reference} 已办结")
        expect(desk.locator(f"#callback-{reference}")).to_have_count(0)
        expect(desk.get_by_text("目前没有待处理的回电请求。")).to_be_visible()
        violations = serious_violations(desk)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

        expect(ask(chat, reference)).to_contain_text("已回电处理")
        assert chat_problems == [] and desk_problems == []
    finally:
        citizen.close()
        clerk.close()
