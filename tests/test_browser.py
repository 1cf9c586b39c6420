"""The applicant chat page, driven in a real Chromium against a real gunicorn server.

Each test reads as one promise the page makes to an applicant: questions answered with Enter,
follow-ups understood, quick topics, markup shown as text and never run, the material pre-review
checklist, the case look-up that never echoes phone digits, a 360px phone screen, and no serious
accessibility problems (axe-core).
"""

from __future__ import annotations

import json
import re

import pytest
from live_server import BROWSER, TEST_CASE, chromium, horizontal_overflow, serious_violations, start_site
from playwright.sync_api import expect

pytestmark = BROWSER


IS_ERROR = re.compile(r"\bmsg--error\b")

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A gunicorn with two workers on a private knowledge copy and database holding RF-TEST-0001."""
    with start_site(tmp_path_factory.mktemp("browser"), [TEST_CASE]) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


class ChatPage:
    """The page plus the few actions every test uses, named as the applicant would say them."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self):
        self.page.goto(self.base + "/")
        # chat.js marks the page when it has loaded; before that only the static page works
        expect(self.page.locator("html.js")).to_have_count(1)
        return self

    @property
    def log(self):
        return self.page.get_by_role("log")

    @property
    def box(self):
        return self.page.get_by_label("您的问题")

    def replies(self):
        return self.log.locator(".msg--assistant")

    def last_reply(self):
        return self.replies().last

    def wait_for_reply(self, before: int):
        """Wait until one more assistant message is in the log and the page is no longer busy."""
        expect(self.replies()).to_have_count(before + 1, timeout=10_000)
        expect(self.log).to_have_attribute("aria-busy", "false")
        return self.last_reply()

    def ask(self, text: str):
        """Type a question and press Enter; returns the reply's message element."""
        before = self.replies().count()
        self.box.fill(text)
        self.box.press("Enter")
        return self.wait_for_reply(before)

    def click_and_wait(self, locator):
        before = self.replies().count()
        locator.click()
        return self.wait_for_reply(before)


@pytest.fixture
def chat(browser, server):
    """A fresh page in its own context (so its own sessionStorage), desktop-sized, reduced motion."""
    context = browser.new_context(
        viewport={"width": 1024, "height": 800}, locale="zh-CN", reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    chat_page = ChatPage(page, server)
    yield chat_page
    context.close()
    assert not chat_page.errors, f"uncaught JavaScript errors on the page: {chat_page.errors}"


# ---- asking ---------------------------------------------------------------------------------------


def test_question_sent_with_enter_is_answered_and_a_follow_up_keeps_the_topic(chat):
    chat.open()
    reply = chat.ask("结建审批需要哪些材料")

    expect(chat.log.locator(".msg--user").last).to_have_text("您：结建审批需要哪些材料")
    expect(reply).to_contain_text("防空地下室同步建设审批")
    expect(reply).to_contain_text("材料")
    expect(chat.box).to_have_value("")
    # the other parts of the item are folded away, one click each
    folded = reply.locator("details")
    assert folded.count() >= 1
    expect(folded.first).not_to_have_attribute("open", "")
    assert chat.page.evaluate("Object.keys(sessionStorage).length") == 1

    follow_up = chat.ask("那要多久")
    expect(follow_up).to_contain_text("新建民用建筑防空地下室同步建设审批")
    expect(follow_up).to_contain_text("20个工作日")


def test_shift_enter_makes_a_new_line_instead_of_sending(chat):
    chat.open()
    chat.box.fill("第一行")
    chat.box.press("Shift+Enter")
    chat.box.type("第二行")
    expect(chat.box).to_have_value("第一行\n第二行")
    expect(chat.replies()).to_have_count(1)  # only the greeting


def test_quick_topic_button_asks_its_title(chat):
    chat.open()
    topic = chat.page.get_by_role("region", name="常见问题").get_by_role("button").first
    title = topic.inner_text()
    reply = chat.click_and_wait(topic)
    expect(chat.log.locator(".msg--user").last).to_have_text(f"您：{title}")
    expect(reply).not_to_have_class(IS_ERROR)
    expect(reply.locator("strong").first).to_be_visible()


def test_suggestion_under_an_answer_asks_its_title(chat):
    chat.open()
    reply = chat.ask("结建审批需要哪些材料")
    suggestion = reply.locator(".suggestions button").first
    title = suggestion.inner_text()
    chat.click_and_wait(suggestion)
    expect(chat.log.locator(".msg--user").last).to_have_text(f"您：{title}")


def test_an_entry_answer_offers_the_items_other_questions_and_one_asks_itself(chat):
    chat.open()
    reply = chat.ask("人防车位能装充电桩吗")
    expect(reply).to_contain_text("充电桩")
    related = reply.locator(".chips--questions button")
    expect(related.first).to_be_visible()
    title = related.first.inner_text()
    assert title.endswith("？") and "充电桩" not in title  # another question of the same item
    answer = chat.click_and_wait(related.first)
    expect(chat.log.locator(".msg--user").last).to_have_text(f"您：{title}")
    expect(answer).to_contain_text("人防车位")


def test_phone_numbers_are_tel_links_and_only_https_pages_are_links(chat):
    chat.open()
    reply = chat.ask("人防车位租金太贵了找谁")
    link = reply.locator("a.tel", has_text="12345").first
    expect(link).to_have_attribute("href", "tel:12345")
    hrefs = reply.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith(("tel:", "https:")) for h in hrefs)


@pytest.mark.parametrize(
    "text",
    ['<script>alert("x")</script>结建', '<img src=x onerror="alert(1)">人防车位 <b>粗体</b>'],
)
def test_markup_typed_by_the_user_is_shown_literally_and_never_runs(chat, text):
    chat.open()
    chat.ask(text)
    expect(chat.log.locator(".msg--user").last).to_have_text(f"您：{text}")
    assert chat.log.locator("script, img, b").count() == 0
    chat.page.wait_for_timeout(200)  # give a (wrongly) injected handler the chance to fire
    assert chat.dialogs == []


def test_empty_question_is_not_sent_and_a_hint_says_what_to_do(chat):
    requests = []
    chat.page.on("request", lambda r: "/api/" in r.url and requests.append(r.url))
    chat.open()
    chat.box.fill("   ")
    chat.box.press("Enter")
    expect(chat.page.get_by_text("请先输入您想咨询的问题")).to_be_visible()
    expect(chat.box).to_have_attribute("aria-invalid", "true")
    chat.page.get_by_role("button", name="发送").click()
    assert requests == []
    expect(chat.log.locator(".msg--user")).to_have_count(0)


def test_counter_counts_and_the_box_stops_at_1000_characters(chat):
    chat.open()
    chat.box.fill("人防" * 600)
    expect(chat.box).to_have_value("人防" * 500)
    expect(chat.page.locator("#question-count")).to_have_text("1000/1000")


def test_server_error_text_is_shown_as_an_error_message(chat):
    chat.page.route(
        "**/api/chat",
        lambda route: route.fulfill(
            status=429,
            content_type="application/json",
            body=json.dumps({"error": "操作太频繁了，请稍后再试。"}),
        ),
    )
    chat.open()
    reply = chat.ask("结建审批要多久")
    expect(reply).to_have_class(IS_ERROR)
    expect(reply).to_contain_text("操作太频繁了，请稍后再试。")
    expect(chat.page.get_by_role("button", name="发送")).to_have_attribute("aria-disabled", "false")


def test_network_failure_gets_a_polite_message_and_the_question_back(chat):
    chat.page.route("**/api/chat", lambda route: route.abort())
    chat.open()
    reply = chat.ask("结建审批要多久")
    expect(reply).to_contain_text("网络好像出了问题")
    expect(chat.box).to_have_value("结建审批要多久")


def test_while_waiting_the_send_button_is_disabled_and_the_page_says_so(chat):
    held = []
    # hold the request until the test lets it go
    chat.page.route("**/api/chat", lambda route: held.append(route))
    chat.open()
    before = chat.replies().count()
    chat.box.fill("结建审批要多久")
    chat.box.press("Enter")
    expect(chat.page.get_by_role("status")).to_have_text("正在查询…")
    expect(chat.page.get_by_role("button", name="发送")).to_have_attribute("aria-disabled", "true")
    expect(chat.box).to_be_focused()  # focus stays where the user was typing
    assert len(held) == 1
    held[0].continue_()
    chat.wait_for_reply(before)
    expect(chat.page.get_by_role("status")).to_have_text("")


# ---- material pre-review --------------------------------------------------------------------------


def open_checklist(chat):
    reply = chat.ask("结建审批需要哪些材料")
    starter = reply.get_by_role("button", name="材料预审：勾选已备材料")
    starter.click()
    checklist = reply.get_by_role("group", name=re.compile("请勾选"))
    expect(checklist).to_be_visible()
    expect(starter).to_have_attribute("aria-expanded", "true")
    return reply, checklist


def test_prereview_checklist_lists_what_is_still_missing(chat):
    chat.open()
    _, checklist = open_checklist(chat)
    boxes = checklist.get_by_role("checkbox")
    assert boxes.count() >= 3
    names = [label.inner_text() for label in checklist.locator("label").all()]
    boxes.nth(0).check()  # by pointer
    boxes.nth(1).focus()  # and by keyboard
    chat.page.keyboard.press("Space")
    expect(boxes.nth(1)).to_be_checked()

    reply = chat.click_and_wait(checklist.get_by_role("button", name="检查还缺什么"))
    expect(reply).not_to_have_class(IS_ERROR)
    for missing in names[2:]:
        expect(reply).to_contain_text(missing)
    for ticked in names[:2]:
        expect(reply).not_to_contain_text(ticked)


# ---- case look-up ---------------------------------------------------------------------------------


def look_up(chat, case_no: str, digits: str):
    chat.page.get_by_role("button", name="查询办件进度").click()
    expect(chat.page.get_by_label("办件编号")).to_be_focused()
    chat.page.get_by_label("办件编号").fill(case_no)
    chat.page.get_by_label("联系电话后四位").fill(digits)
    return chat.click_and_wait(chat.page.get_by_role("button", name="查询", exact=True))


def test_case_look_up_shows_status_and_missing_material_without_echoing_the_digits(chat):
    chat.open()
    reply = look_up(chat, "RF-TEST-0001", "5678")
    expect(chat.log.locator(".msg--user").last).to_contain_text("办件编号 RF-TEST-0001，手机后四位 ****")
    expect(reply).to_contain_text("待补正")
    expect(reply).to_contain_text("人防工程施工图设计文件")
    expect(chat.log).not_to_contain_text("5678")
    expect(chat.page.get_by_label("联系电话后四位")).to_have_value("")


def test_case_look_up_with_wrong_digits_reveals_nothing(chat):
    chat.open()
    reply = look_up(chat, "RF-TEST-0001", "0000")
    expect(reply).to_have_class(IS_ERROR)
    expect(reply).to_contain_text("没有找到")
    for secret in ("测试建设", "待补正", "施工图", "2026", "0000"):
        expect(chat.log).not_to_contain_text(secret)


def test_asking_how_to_check_progress_offers_the_case_look_up_form(chat):
    chat.open()
    reply = chat.ask("怎么查询办件进度")
    expect(chat.page.get_by_role("region", name="查询办件进度")).to_be_visible()
    reply.get_by_role("button", name="填写办件编号查询进度").click()
    expect(chat.page.get_by_label("办件编号")).to_be_focused()


def test_case_look_up_asks_for_four_digits_before_sending(chat):
    chat.open()
    chat.page.get_by_role("button", name="查询办件进度").click()
    chat.page.get_by_label("办件编号").fill("RF-TEST-0001")
    chat.page.get_by_label("联系电话后四位").fill("12")
    chat.page.get_by_role("button", name="查询", exact=True).click()
    expect(chat.page.get_by_text("请输入联系电话的后四位数字")).to_be_visible()
    expect(chat.page.get_by_label("联系电话后四位")).to_be_focused()
    expect(chat.log.locator(".msg--user")).to_have_count(0)


# ---- layout and accessibility ---------------------------------------------------------------------


def test_a_360px_phone_screen_has_no_horizontal_scroll(chat):
    chat.page.set_viewport_size({"width": 360, "height": 740})
    chat.open()
    chat.ask("结建审批需要哪些材料")
    chat.page.get_by_role("button", name="查询办件进度").click()
    overflow = horizontal_overflow(chat.page)
    assert overflow <= 0, f"page is {overflow}px wider than a 360px screen"


def test_no_serious_accessibility_violations_on_the_fresh_page(chat):
    chat.open()
    violations = serious_violations(chat.page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_no_serious_accessibility_violations_with_an_answer_details_checklist_and_case_form(chat):
    chat.open()
    reply, _ = open_checklist(chat)
    reply.locator("details summary").first.click()  # one section unfolded
    chat.page.get_by_role("button", name="查询办件进度").click()
    violations = serious_violations(chat.page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
