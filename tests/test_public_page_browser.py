"""The public page as a citizen meets it: on the office's website, on a phone, across a reload.

Driven in a real Chromium against a real gunicorn. The office's website is played by a tiny
http.server on another port (another origin) that carries the one-line widget; a second one, not
listed in ASSISTANT_EMBED_ORIGINS, plays a stranger's site. Each test is one promise of issue 10:
the widget, the conversation that survives a reload and is reset by 新对话, the phone layout, the
honest limits, what sits around an answer (privacy line, feedback, copy and print), and no axe
finding of any impact on the chat, the widget's host page, the privacy notice, the staff desk,
/staff/callbacks and the admin dashboard.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from live_server import BROWSER, TEST_CASE, all_violations, chromium, find_free_port, start_site
from playwright.sync_api import expect

pytestmark = BROWSER

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
STAFF_PASSWORD = "window-clerk-2026"
ADMIN_PASSWORD = "office-admin-2026"
SECOND_CASE = {**TEST_CASE, "case_no": "RF-TEST-0002", "contact_phone": "13900002222", "status": "in_review"}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test output is for the test
        pass


@contextmanager
def static_site(folder: Path) -> Iterator[str]:
    """Serve `folder` on a free port of 127.0.0.1 (its own origin); yields the origin."""
    port = find_free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def host_page(chat_base: str) -> str:
    """The office's page: ordinary content in landmarks, and the one line from the README."""
    paragraphs = "".join(f"<p>第{i}条：人民防空工程建设与管理的政务公开信息。</p>" for i in range(1, 31))
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>青浦区国防动员办公室</title>"
        f'<script src="{chat_base}/static/widget.js" defer></script></head>'
        "<body><header><p>上海市青浦区国防动员办公室</p></header>"
        f'<main><h1>政务公开</h1>{paragraphs}<p id="last">本页最后一段：联系我们。</p></main>'
        "<footer><p>主办单位：青浦区国防动员办公室</p></footer></body></html>"
    )


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """(chat, listed site, unlisted site): the chat lists only the first static site as an embedder."""
    folder = tmp_path_factory.mktemp("office-site")
    with static_site(folder) as listed, static_site(folder) as unlisted:
        users = {"wang": ("staff", STAFF_PASSWORD), "chen": ("admin", ADMIN_PASSWORD)}
        env = {"ASSISTANT_EMBED_ORIGINS": listed}
        with start_site(tmp_path_factory.mktemp("public-page"), [TEST_CASE, SECOND_CASE], users, env) as chat:
            (folder / "index.html").write_text(host_page(chat), encoding="utf-8")
            (folder / "frames.html").write_text(
                '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>嵌入</title></head><body><main>'
                f'<iframe id="chat" title="聊天" src="{chat}/"></iframe>'
                f'<iframe id="staff" title="工作人员" src="{chat}/staff/login"></iframe></main></body></html>',
                encoding="utf-8",
            )
            yield chat, listed, unlisted


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def open_context(browser):
    """A function making a fresh context (own sessionStorage) of a size; every page's errors are checked."""
    made, errors = [], []

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", reduced_motion="reduce", **options)
        context.set_default_timeout(10_000)
        context.on("page", lambda page: page.on("pageerror", lambda e: errors.append(str(e))))
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


@pytest.fixture
def chat_page(open_context, sites):
    """A function opening the chat page (on a desktop screen unless told) once chat.js has loaded."""

    def open_(viewport=DESKTOP, **options):
        page = open_context(viewport, **options).new_page()
        page.goto(sites[0] + "/")
        expect(page.locator("html.js")).to_have_count(1)
        return page

    return open_


def replies(page_or_frame):
    return page_or_frame.get_by_role("log").locator(".msg--assistant")


def ask(page_or_frame, text: str):
    """Type a question and press Enter; returns this reply once the page is no longer busy."""
    answers = replies(page_or_frame)
    before = answers.count()
    box = page_or_frame.get_by_label("您的问题")
    box.fill(text)
    box.press("Enter")
    expect(answers).to_have_count(before + 1)
    expect(page_or_frame.get_by_role("log")).to_have_attribute("aria-busy", "false")
    return answers.nth(before)


def user_bubbles(page):
    return page.get_by_role("log").locator(".msg--user")


def no_violations(page_or_frame):
    violations = all_violations(page_or_frame)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


# ---- the widget on the office's website -------------------------------------------------------------


def test_the_widget_on_a_listed_site_opens_the_chat_gets_an_answer_and_closes_with_esc(open_context, sites):
    _, listed, _ = sites
    page = open_context().new_page()
    page.goto(listed + "/index.html")
    launcher = page.get_by_role("button", name="在线咨询", exact=True)
    expect(launcher).to_have_attribute("aria-expanded", "false")

    launcher.focus()
    page.keyboard.press("Enter")  # keyboard-operable
    expect(launcher).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("dialog", name="在线咨询 · 人防咨询助手")
    expect(panel).to_be_visible()
    chat = page.frame_locator("iframe[title^='人防咨询助手']")
    expect(chat.get_by_label("您的问题")).to_be_focused()  # focus goes straight into the chat

    reply = ask(chat, "结建审批要多久")
    expect(reply).to_contain_text("20个工作日")

    page.keyboard.press("Escape")  # from inside the chat's question box
    expect(panel).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_be_focused()

    launcher.press("Enter")  # the conversation is still there when the panel opens again
    expect(chat.get_by_role("log")).to_contain_text("20个工作日")
    panel.get_by_role("button", name="关闭").focus()
    page.keyboard.press("Escape")  # and Esc on the panel's own bar
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()


def test_a_site_not_listed_cannot_frame_the_chat(open_context, sites):
    _, _, unlisted = sites
    page = open_context().new_page()
    refused: list[str] = []
    page.on("console", lambda m: "frame-ancestors" in m.text and refused.append(m.text))
    page.goto(unlisted + "/index.html")
    page.get_by_role("button", name="在线咨询", exact=True).click()
    frame_element = page.locator("iframe[title^='人防咨询助手']")
    expect(frame_element).to_be_visible()
    for _ in range(100):  # the browser says so on the console once it has refused the frame
        if refused:
            break
        page.wait_for_timeout(100)
    assert refused, "the browser did not report refusing the frame"
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state()
    assert frame.url.startswith("chrome-error:") and frame.locator("#question").count() == 0


def test_a_listed_site_may_frame_the_chat_but_never_the_staff_pages(open_context, sites):
    chat_base, listed, _ = sites
    page = open_context().new_page()
    page.goto(listed + "/frames.html")
    chat = page.frame_locator("#chat")
    expect(chat.get_by_label("您的问题")).to_be_visible()
    staff = page.locator("#staff").element_handle().content_frame()
    staff.wait_for_load_state()
    assert not staff.url.startswith(chat_base)
    assert staff.locator("input[type=password]").count() == 0


def test_on_a_phone_the_button_never_hides_the_sites_last_lines_and_the_open_panel_fills_the_screen(
    open_context, sites
):
    _, listed, _ = sites
    page = open_context(PHONE).new_page()
    page.goto(listed + "/index.html")
    launcher = page.get_by_role("button", name="在线咨询", exact=True)
    expect(launcher).to_be_visible()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    last, button = page.locator("#last").bounding_box(), launcher.bounding_box()
    assert last["y"] + last["height"] <= button["y"], "the floating button covers the page's last line"
    footer = page.locator("footer").bounding_box()
    assert footer["y"] + footer["height"] <= button["y"] + 1, "the floating button covers the page's footer"

    launcher.click()
    panel = page.get_by_role("dialog", name="在线咨询 · 人防咨询助手")
    box = panel.bounding_box()
    assert box["width"] >= PHONE["width"] - 1 and box["height"] >= PHONE["height"] - 1
    expect(panel).to_have_attribute("aria-modal", "true")
    chat = page.frame_locator("iframe[title^='人防咨询助手']")
    expect(chat.get_by_label("您的问题")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()


# ---- a conversation that survives ----------------------------------------------------------------------


def test_a_reload_keeps_the_conversation_and_the_servers_context_with_it(chat_page):
    page = chat_page()
    ask(page, "结建审批需要哪些材料")
    page.reload()
    expect(page.locator("html.js")).to_have_count(1)
    expect(user_bubbles(page)).to_have_count(1)
    expect(user_bubbles(page).first).to_have_text("您：结建审批需要哪些材料")
    expect(replies(page).nth(1)).to_contain_text("防空地下室同步建设审批")
    expect(page.locator("#busy")).to_contain_text("已恢复")
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")  # announcing again
    expect(page.locator("#topics-list")).to_be_hidden()  # still folded: a question was asked

    follow_up = ask(page, "那要多久")  # the server still holds the context the page shows
    expect(follow_up).to_contain_text("新建民用建筑防空地下室同步建设审批")
    expect(follow_up).to_contain_text("20个工作日")


def test_new_conversation_starts_afresh_on_the_page_and_on_the_server(chat_page):
    page = chat_page()
    sent: list[dict] = []
    page.on("request", lambda r: r.url.endswith("/api/chat") and sent.append(json.loads(r.post_data)))
    stored_id = "JSON.parse(sessionStorage.getItem('renfang-assistant:conversation') || '{}').id"
    ask(page, "结建审批需要哪些材料")
    old_id = page.evaluate(stored_id)
    assert old_id
    expect(page.locator("#topics-list")).to_be_hidden()

    page.get_by_role("button", name="新对话").click()
    expect(replies(page)).to_have_count(1)  # only the greeting
    expect(user_bubbles(page)).to_have_count(0)
    expect(page.get_by_label("您的问题")).to_be_focused()
    expect(page.locator("#busy")).to_contain_text("新的对话")
    expect(page.locator("#topics-list")).to_be_visible()
    assert page.evaluate("Object.keys(sessionStorage).length") == 0

    reply = ask(page, "那要多久")  # not answered from 结建审批: that context belonged to the old conversation
    expect(reply).not_to_contain_text("20个工作日")
    expect(reply).to_contain_text("请问您想了解哪个事项")
    assert "conversation_id" not in sent[-1]  # the server is asked to start a new conversation
    assert page.evaluate(stored_id) not in (None, old_id)
    page.reload()
    expect(user_bubbles(page)).to_have_count(1)  # the new conversation is the one kept


# ---- on a phone ---------------------------------------------------------------------------------------


def test_on_a_phone_the_question_box_stays_in_view_after_three_answers(chat_page):
    page = chat_page(PHONE)
    box = page.get_by_label("您的问题")
    for question in ("结建审批需要哪些材料", "那要多久", "人防车位能买卖吗"):
        ask(page, question)
        assert in_viewport(page, box), f"the question box left the screen after “{question}”"
    assert in_viewport(page, page.get_by_role("button", name="发送"))
    page.evaluate("window.scrollTo(0, 0)")  # even scrolled back to the first answer
    assert in_viewport(page, box)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_quick_topics_fold_away_after_the_first_question_and_can_be_shown_again(chat_page):
    page = chat_page(PHONE)
    topics = page.get_by_role("region", name="常见问题")
    first = topics.get_by_role("button").first
    expect(first).to_be_visible()
    first.focus()
    before = replies(page).count()
    page.keyboard.press("Enter")
    expect(replies(page)).to_have_count(before + 1)
    toggle = topics.get_by_role("button", name="显示常见问题")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#topics-list")).to_be_hidden()
    expect(toggle).to_be_focused()  # the chip pressed went away; focus stayed in the same place
    toggle.click()
    expect(page.locator("#topics-list")).to_be_visible()
    expect(topics.get_by_role("button", name="收起常见问题")).to_have_attribute("aria-expanded", "true")


def test_one_entry_point_for_progress_look_up_opens_in_view_takes_focus_and_closes_with_esc(chat_page):
    page = chat_page(PHONE)
    expect(page.get_by_role("button", name="查询办件进度")).to_have_count(1)
    expect(page.get_by_role("button", name="查询进度", exact=True)).to_have_count(0)  # no look-alike topic
    for question in ("结建审批需要哪些材料", "人防车位能买卖吗"):
        ask(page, question)
    opener = page.get_by_role("button", name="查询办件进度")
    opener.click()
    number = page.get_by_label("办件编号")
    expect(number).to_be_focused()
    panel = page.get_by_role("region", name="查询办件进度")
    assert in_viewport(page, number), "the look-up form opened out of view"
    composer_top = page.locator("#ask-form").bounding_box()["y"]
    assert number.bounding_box()["y"] + number.bounding_box()["height"] <= composer_top, (
        "the field is behind the box"
    )
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()
    expect(opener).to_have_attribute("aria-expanded", "false")


def test_a_replys_controls_come_before_the_quick_topics_in_tab_order(chat_page):
    page = chat_page()
    reply = ask(page, "结建审批需要哪些材料")
    page.get_by_role(
        "button", name="显示常见问题"
    ).click()  # topics shown again: they are still after the reply
    reply.locator("summary").first.focus()
    visited = []
    for _ in range(60):
        where = page.evaluate(
            """() => { const a = document.activeElement;
                 if (a.id === 'question') return 'box';
                 if (a.closest('#topics')) return 'topics';
                 if (a.closest('#log .msg:last-child')) return 'reply:' + (a.getAttribute('aria-label') || a.textContent || '').trim();
                 return 'other:' + a.tagName; }"""
        )
        visited.append(where)
        if where == "box":
            break
        page.keyboard.press("Tab")
    kinds = [v.split(":")[0] for v in visited]
    assert "box" in kinds and "topics" in kinds, visited
    assert max(i for i, k in enumerate(kinds) if k == "reply") < kinds.index("topics"), visited
    for control in ("复制这条回答", "打印这条回答", "有帮助", "没帮助"):
        assert f"reply:{control}" in visited, (control, visited)


# ---- honest limits ------------------------------------------------------------------------------------


def test_an_over_long_paste_is_trimmed_with_a_message_saying_so(chat_page):
    page = chat_page(permissions=["clipboard-read", "clipboard-write"])
    pasted = "人防" * 750  # 1,500 characters
    page.evaluate("text => navigator.clipboard.writeText(text)", pasted)
    box = page.get_by_label("您的问题")
    box.focus()
    page.keyboard.press("Control+V")
    expect(box).to_have_value(pasted[:1000])
    notice = page.locator("#question-notice")
    expect(notice).to_have_attribute("aria-live", "polite")  # announced as well as shown
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("1500字")
    expect(notice).to_contain_text("只粘贴了前1000字")
    expect(notice).to_contain_text("500字没有放进来")
    expect(page.locator("#question-count")).to_have_text("1000/1000")
    box.press("End")
    page.keyboard.type("再")  # typing at the limit: the box says why nothing appears
    expect(notice).to_contain_text("已达到每条1000字的上限")
    expect(box).to_have_value(pasted[:1000])
    box.fill("")  # the note goes with the text
    expect(notice).to_have_text("")


def test_the_four_digits_typed_in_the_chat_show_as_dots_in_the_users_own_bubble(chat_page):
    page = chat_page()
    reply = ask(page, "RF-TEST-0001 5678")
    expect(user_bubbles(page).last).to_have_text("您：RF-TEST-0001 ••••")
    expect(reply).to_contain_text("待补正")
    # In two steps: the number, then the digits on their own.
    expect(ask(page, "查一下办件 RF-TEST-0002")).to_contain_text("后四位")
    expect(ask(page, "2222")).to_contain_text("审查中")
    expect(user_bubbles(page).last).to_have_text("您：••••")
    expect(page.get_by_role("log")).not_to_contain_text("5678")
    expect(page.get_by_role("log")).not_to_contain_text("2222")
    stored = page.evaluate("JSON.stringify(sessionStorage)")
    assert "5678" not in stored and "2222" not in stored
    page.reload()
    expect(user_bubbles(page).first).to_have_text("您：RF-TEST-0001 ••••")


def test_a_case_result_reads_in_order_without_repeating_itself(chat_page):
    page = chat_page()
    page.get_by_role("button", name="查询办件进度").click()
    page.get_by_label("办件编号").fill("RF-TEST-0001")
    page.get_by_label("联系电话后四位").fill("5678")
    before = replies(page).count()
    page.get_by_role("button", name="查询", exact=True).click()
    expect(replies(page)).to_have_count(before + 1)
    text = replies(page).last.inner_text()
    # "请按下列清单" comes before the list it points to, and the deadline after it.
    assert (
        text.index("下一步")
        < text.index("需要补正的材料")
        < text.index("人防工程施工图设计文件")
        < text.index("补正截止日期")
    )
    assert text.count("人防工程施工图设计文件") == 1
    assert text.count("2026-12-10") + text.count("2026年12月10日") == 1
    assert "提醒" not in text


def test_the_look_up_lock_out_says_how_long_to_wait(chat_page):
    page = chat_page()
    page.get_by_role("button", name="查询办件进度").click()
    for attempt in range(6):
        page.get_by_label("办件编号").fill("RF-LOCK-0001")
        page.get_by_label("联系电话后四位").fill(f"{attempt:04d}")
        before = replies(page).count()
        page.get_by_role("button", name="查询", exact=True).click()
        expect(replies(page)).to_have_count(before + 1)
    locked = replies(page).last
    expect(locked).to_contain_text("查询失败次数过多")
    expect(locked).to_contain_text("15分钟")


# ---- around the answer --------------------------------------------------------------------------------


def test_a_short_privacy_line_by_the_box_links_to_the_full_notice(chat_page):
    page = chat_page()
    line = page.locator("#ask-form .composer__privacy")
    expect(line).to_contain_text("打码")
    expect(line).to_contain_text("身份证号")
    line.get_by_role("link", name="隐私说明").click()
    expect(page).to_have_url(re.compile(r"/privacy$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("隐私说明")
    expect(page.get_by_role("main")).to_contain_text("不会保存")
    no_violations(page)
    page.get_by_role("link", name="返回咨询").click()
    expect(page.get_by_label("您的问题")).to_be_visible()


def test_the_favicon_is_a_static_file(chat_page, sites):
    page = chat_page()
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href.startswith("/static/")
    response = page.request.get(sites[0] + href)
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")


def test_feedback_under_an_answer_with_an_optional_reason_after_unhelpful(chat_page):
    page = chat_page()
    votes: list[tuple[int, dict]] = []
    page.on(
        "response",
        lambda r: (
            r.url.endswith("/api/feedback") and votes.append((r.status, json.loads(r.request.post_data)))
        ),
    )
    first = ask(page, "人防车位能买卖吗")
    expect(first.get_by_role("group", name="这个回答对您有帮助吗？")).to_be_visible()
    first.get_by_role("button", name="有帮助").click()
    expect(first).to_contain_text("谢谢您的反馈")
    expect(first.get_by_role("button", name="有帮助")).to_have_count(0)

    second = ask(page, "结建审批要多久")
    second.get_by_role("button", name="没帮助").click()
    reason = second.get_by_label("没帮上的原因（选填）")
    expect(reason).to_be_focused()
    reason.fill("没有说到我这个小区的情况")
    reason.press("Enter")
    expect(second).to_contain_text("您的意见已转给工作人员")
    expect(first).to_contain_text("谢谢您的反馈")  # the earlier vote stays shown

    third = ask(page, "防空警报什么时候试鸣")
    expect(third.get_by_role("button", name="有帮助")).to_be_visible()
    ask(
        page, "易地建设费怎么交"
    )  # a newer answer: the unused buttons of the older one go (a vote is about the last)
    expect(third.get_by_role("button", name="有帮助")).to_have_count(0)

    assert [status for status, _ in votes] == [201, 201, 200]
    assert votes[0][1]["helpful"] is True
    assert votes[1][1]["helpful"] is False and "reason" not in votes[1][1]
    assert votes[2][1] == {**votes[1][1], "reason": "没有说到我这个小区的情况"}


def test_copy_gives_the_answer_with_its_sections_as_plain_text(chat_page):
    page = chat_page(permissions=["clipboard-read", "clipboard-write"])
    reply = ask(page, "结建审批需要哪些材料")
    reply.get_by_role("button", name="复制这条回答").click()
    expect(reply).to_contain_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "防空地下室同步建设审批" in copied
    assert "【" in copied and "**" not in copied  # folded sections under their titles, no mark-up signs
    section = reply.locator("summary").first.inner_text()
    assert f"【{section}】" in copied


def test_print_shows_only_the_chosen_answer_with_every_section_unfolded(chat_page):
    page = chat_page()
    # window.print() would open a dialog: record what the page looks like at that moment instead.
    page.add_init_script(
        """window.print = () => {
             window.dispatchEvent(new Event('beforeprint'));
             window.__printed = {
               folded: document.querySelectorAll('.is-print-target details:not([open])').length,
               sections: document.querySelectorAll('.is-print-target details').length,
             };
           };"""
    )
    page.reload()
    expect(page.locator("html.js")).to_have_count(1)
    ask(page, "人防车位能买卖吗")
    reply = ask(page, "结建审批需要哪些材料")
    reply.get_by_role("button", name="打印这条回答").click()
    printed = page.evaluate("window.__printed")
    assert printed["sections"] >= 1 and printed["folded"] == 0

    page.emulate_media(media="print")
    expect(reply).to_be_visible()
    expect(replies(page).nth(1)).to_be_hidden()  # the other answer
    for chrome in ("#ask-form", ".site-header", ".site-footer", "#topics", ".intro"):
        expect(page.locator(chrome)).to_be_hidden()
    expect(reply.get_by_role("button", name="打印这条回答")).to_be_hidden()
    expect(reply.locator(".more__body").first).to_be_visible()

    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    expect(replies(page).nth(1)).to_be_visible()
    expect(reply.locator("details[open]")).to_have_count(0)  # folded again as they were


# ---- announcements and focus -----------------------------------------------------------------------


def test_replies_are_announced_by_the_log_and_the_waiting_by_the_status_line_without_moving_focus(chat_page):
    page = chat_page()
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    held = []
    page.route("**/api/chat", lambda route: held.append(route))
    box = page.get_by_label("您的问题")
    box.fill("结建审批要多久")
    box.press("Enter")
    expect(page.locator("#busy")).to_have_attribute("role", "status")
    expect(page.locator("#busy")).to_have_text("正在查询…")
    expect(log).to_have_attribute("aria-busy", "true")
    held[0].continue_()
    expect(log).to_have_attribute("aria-busy", "false")
    expect(log.locator(".msg--assistant").last).to_contain_text("20个工作日")  # inside the live region
    expect(page.locator("#busy")).to_have_text("")
    expect(box).to_be_focused()
    # The feedback's thanks is announced where the buttons were, and focus stays there.
    page.get_by_role("button", name="有帮助").click()
    thanks = log.locator(".feedback__status").last
    expect(thanks).to_have_attribute("aria-live", "polite")
    expect(thanks).to_have_text("谢谢您的反馈！")
    expect(thanks).to_be_focused()


# ---- accessibility: axe, every impact -----------------------------------------------------------------


def test_no_axe_findings_on_the_chat_page_fresh_and_with_everything_open(chat_page):
    page = chat_page(PHONE)
    no_violations(page)
    reply = ask(page, "结建审批需要哪些材料")
    reply.locator("details summary").first.click()
    reply.get_by_role("button", name="材料预审：勾选已备材料").click()
    expect(reply.get_by_role("group", name=re.compile("请勾选"))).to_be_visible()
    reply.get_by_role("button", name="没帮助").click()
    page.get_by_role("button", name="查询办件进度").click()
    page.get_by_role("button", name="显示常见问题").click()
    page.evaluate(
        "text => { const box = document.getElementById('question'); box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: (() => { const d = new DataTransfer(); d.setData('text/plain', text); return d; })(), bubbles: true, cancelable: true})); }",
        "人" * 1200,
    )
    expect(page.locator("#question-notice")).to_be_visible()
    no_violations(page)
    declined = ask(page, "今天股票涨不涨")
    declined.get_by_role("button", name="留言，请工作人员回电").click()
    no_violations(page)


def test_no_axe_findings_on_the_widgets_host_page_and_in_its_panel(open_context, sites):
    _, listed, _ = sites
    for viewport in (DESKTOP, PHONE):
        page = open_context(viewport).new_page()
        page.goto(listed + "/index.html")
        expect(page.get_by_role("button", name="在线咨询", exact=True)).to_be_visible()
        no_violations(page)
        page.get_by_role("button", name="在线咨询", exact=True).click()
        chat = page.locator("iframe[title^='人防咨询助手']").element_handle().content_frame()
        expect(chat.locator("html.js")).to_have_count(1)
        ask(chat, "人防车位能买卖吗")
        no_violations(page)
        no_violations(chat)


@pytest.mark.parametrize(
    "user, password, paths",
    [
        ("wang", STAFF_PASSWORD, ["/staff", "/staff/callbacks"]),
        ("chen", ADMIN_PASSWORD, ["/admin"]),
    ],
    ids=["staff", "admin"],
)
def test_no_axe_findings_on_the_staff_desk_callbacks_and_admin_dashboard(
    open_context, sites, user, password, paths
):
    page = open_context().new_page()
    page.goto(sites[0] + "/staff/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/staff$"))
    for path in paths:
        page.goto(sites[0] + path)
        expect(page.get_by_role("main")).to_be_visible()
        no_violations(page)
