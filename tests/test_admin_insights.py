"""What administrators learn and fix from the browser: 有帮助 / 没帮助 on answers (`POST /api/feedback`), the
questions to fix next (grouped, conversational messages left out, one click to a variant, a new entry
or a referral, through the real knowledge files of a private copy), charts with text alternatives,
formula-safe spreadsheets, accounts managed on the web, and the whole audit log."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import PASSWORD
from openpyxl import load_workbook
from test_openapi import check as check_openapi

from assistant import audit, charts, export, feedback, gaps, knowledge_versions
from assistant.db import connect
from assistant.errors import TooManyRequests
from assistant.knowledge import load


@pytest.fixture
def db(db_path, app):
    return connect(db_path)


def page(response) -> str:
    return response.get_data(as_text=True)


def csrf(client, path: str = "/admin/users") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page(client.get(path)))
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def log(db, conversation: str, question: str, kind: str, item_id=None, entry_id=None, ago=timedelta(hours=1)):
    """One line of the question log, as chat.turn writes it (questions are stored masked)."""
    at = (datetime.now(UTC) - ago).isoformat(timespec="seconds")
    row = {"asked_at": at, "conversation_id": conversation, "question": question, "kind": kind,
           "item_id": item_id, "entry_id": entry_id, "score": 0.0}
    return db["questions"].insert(row).last_pk


def rows_of(db, app, **kwargs):
    return gaps.fix_next(db, load(app.config["KNOWLEDGE"]), **kwargs)


# ---------------------------------------------------------------- POST /api/feedback

def test_a_vote_is_stored_with_the_item_and_entry_that_answered_and_a_masked_reason(client, ask, db):
    reply = ask("易地建设费能退吗")
    response = client.post("/api/feedback", json={
        "conversation_id": reply["conversation_id"], "helpful": False, "reason": "想问具体退多少，电话13912345678"})
    assert response.status_code == 201 and response.get_json() == {"ok": True}
    row = next(db.query("select * from feedback"))
    assert (row["item_id"], row["entry_id"], row["kind"], row["helpful"]) == (reply["item_id"], reply["entry_id"], "answer", 0)
    assert row["reason"] == "想问具体退多少，电话139****5678"
    question = next(db.query("select * from questions where id = ?", [row["question_id"]]))
    assert question["question"] == "易地建设费能退吗" and question["entry_id"] == reply["entry_id"]


def test_voting_again_on_the_same_answer_replaces_the_vote_with_200_and_a_new_answer_gets_its_own(client, ask, db):
    reply = ask("易地建设费能退吗")
    body = {"conversation_id": reply["conversation_id"], "helpful": False}
    assert client.post("/api/feedback", json=body).status_code == 201
    assert client.post("/api/feedback", json={**body, "helpful": True}).status_code == 200
    assert [r["helpful"] for r in db.query("select helpful from feedback")] == [1]
    ask("警报试鸣是哪天", reply["conversation_id"])
    assert client.post("/api/feedback", json=body).status_code == 201
    assert db["feedback"].count == 2


def test_small_talk_after_an_answer_does_not_take_the_vote_away_from_the_answer(client, ask, db):
    reply = ask("易地建设费能退吗")
    ask("谢谢", reply["conversation_id"])
    assert client.post("/api/feedback", json={"conversation_id": reply["conversation_id"], "helpful": True}).status_code == 201
    assert next(db.query("select item_id from feedback"))["item_id"] == reply["item_id"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"helpful": True}, "缺少对话编号"),
        ({"conversation_id": "abc", "helpful": True}, "不是有效的对话编号"),
        ({"conversation_id": 12345678901234567, "helpful": True}, "不是有效的对话编号"),
        ({"conversation_id": "CID", "helpful": "false"}, "“helpful”应当是 true（有帮助）或 false（没帮助）"),
        ({"conversation_id": "CID", "helpful": 0}, "“helpful”应当是"),
        ({"conversation_id": "CID"}, "“helpful”应当是"),
        ({"conversation_id": "CID", "helpful": False, "reason": ["太短"]}, "“reason”应当是一段文字"),
        ({"conversation_id": "CID", "helpful": False, "reason": "长" * 501}, "请精简到500字以内"),
        (["CID"], "JSON 对象"),
    ],
)
def test_bad_votes_are_refused_in_chinese_and_nothing_is_stored(client, ask, db, body, message):
    cid = ask("易地建设费能退吗")["conversation_id"]
    if isinstance(body, dict) and body.get("conversation_id") == "CID":
        body = {**body, "conversation_id": cid}
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert db["feedback"].count == 0


def test_a_vote_on_an_unknown_conversation_or_one_with_only_small_talk_is_404(client, ask):
    response = client.post("/api/feedback", json={"conversation_id": "x" * 24, "helpful": True})
    assert response.status_code == 404 and "没有找到这段对话" in response.get_json()["error"]
    cid = ask("你好")["conversation_id"]
    response = client.post("/api/feedback", json={"conversation_id": cid, "helpful": True})
    assert response.status_code == 404 and "还没有可以评价的回答" in response.get_json()["error"]


def test_one_client_may_vote_only_so_often(db, ask, client):
    cid = ask("易地建设费能退吗")["conversation_id"]
    limits = feedback.Limits(per_client=3)
    vote = feedback.check(cid, True)
    for _ in range(3):
        feedback.record(db, vote, "10.0.0.1", limits)
    with pytest.raises(TooManyRequests) as refused:
        feedback.record(db, vote, "10.0.0.1", limits)
    assert "次数太多" in refused.value.message
    feedback.record(db, vote, "10.0.0.2", limits)  # another client is not held back
    later = datetime.now(UTC) + timedelta(hours=2)
    feedback.record(db, vote, "10.0.0.1", limits, now=later)  # nor the same one after the window


def test_feedback_responses_match_the_openapi_document(client, ask):
    doc = client.get("/api/openapi.json").get_json()
    cid = ask("易地建设费能退吗")["conversation_id"]
    for body, status in [
        ({"conversation_id": cid, "helpful": True}, 201),
        ({"conversation_id": cid, "helpful": False, "reason": "没说清楚"}, 200),
        ({"conversation_id": cid, "helpful": "yes"}, 400),
        ({"conversation_id": "y" * 20, "helpful": True}, 404),
    ]:
        response = client.post("/api/feedback", json=body)
        assert response.status_code == status
        check_openapi(doc, response, "/api/feedback", "post")


def test_votes_are_counted_per_item_and_shown_on_the_dashboard(admin, client, ask, db, app):
    fee = [ask("易地建设费能退吗") for _ in range(3)]
    siren = ask("警报试鸣是哪天")
    for reply, helpful in zip([*fee, siren], [True, False, False, True], strict=True):
        assert client.post("/api/feedback", json={"conversation_id": reply["conversation_id"], "helpful": helpful}).status_code == 201
    found = {f.item_id: f for f in feedback.per_item(db, load(app.config["KNOWLEDGE"]))}
    assert (found[fee[0]["item_id"]].helpful, found[fee[0]["item_id"]].unhelpful) == (1, 2)
    assert round(found[fee[0]["item_id"]].percent) == 33
    assert (found[siren["item_id"]].helpful, found[siren["item_id"]].unhelpful) == (1, 0)
    assert feedback.totals(db) == (2, 2)

    html = page(admin.client.get("/admin"))
    votes = html[html.index("群众评价"):html.index("热门事项")]
    assert "近 30 天收到 4 条评价：有帮助 2 条，没帮助 2 条" in votes
    assert '<th scope="row">易地建设费</th><td class="num">1</td><td class="num">2</td><td class="num">33%</td>' in votes
    assert 'id="chart-feedback"' in votes


# ---------------------------------------------------------------- what to fix next

CAT = [
    "我家的猫丢了怎么办", "猫丢了怎么办", "我的猫跑丢了怎么办啊", "请问猫丢了怎么办", "家里猫丢了咋办",
    "猫丢了怎么办？", "猫丢了怎么办啊", "我的猫丢了怎么办", "猫丢了该怎么办", "猫丢了要怎么办",
    "请问一下猫丢了怎么办", "我家猫丢了怎么办呢", "猫丢了，怎么办", "貓丟了怎麼辦", "猫丢了怎么半",
    "猫猫丢了怎么办", "猫丢了怎么办呀", "我猫丢了怎么办", "猫咪丢了怎么办", "猫丢了怎么办",
]


def test_twenty_wordings_of_one_missing_question_are_one_row_with_their_count(db, app):
    for i, question in enumerate(CAT):
        log(db, f"cat-conversation-{i:04d}", question, "decline" if i % 4 else "clarify", ago=timedelta(hours=i + 1))
    log(db, "dog-conversation-0001", "狗丢了怎么办", "decline")
    log(db, "dog-conversation-0002", "狗丢了怎么办啊", "decline")
    log(db, "answered-000000001", "结建审批要多久", "answer", "shelter-build-approval")

    rows = rows_of(db, app)
    cat = rows[0]
    assert cat.count == 20 and cat.question == "猫丢了怎么办"  # the wording asked most
    assert cat.reasons == {"decline": 15, "clarify": 5, "rejected": 0, "unhelpful": 0}
    assert {text for text, _ in cat.variants} == set(CAT)
    assert len(cat.conversations) == 20 and cat.conversations[0] == "cat-conversation-0000"  # newest first
    assert [(r.question, r.count) for r in rows[1:]] == [("狗丢了怎么办", 2)]  # a different question
    assert cat.now is not None and not cat.now.resolved and cat.now.label.startswith("仍")


def test_conversational_messages_are_never_rows_and_a_rejection_counts_against_the_question_before_it(db, app):
    cid = "conversation-rejected-01"
    log(db, cid, "地下室改成仓库要办什么手续", "answer", "use-filing", "need-filing", ago=timedelta(minutes=9))
    log(db, cid, "不是这个", "clarify", ago=timedelta(minutes=8))
    log(db, cid, "都不是", "clarify", ago=timedelta(minutes=7))
    log(db, cid, "好的", "smalltalk", ago=timedelta(minutes=6))
    log(db, cid, "谢谢", "smalltalk", ago=timedelta(minutes=5))
    log(db, "conversation-opener-001", "不是这个", "clarify")  # with nothing before it: nothing to count
    log(db, "conversation-vague-0001", "那要多久", "clarify")  # a follow-up with nothing to follow
    for i in range(8):
        log(db, f"conversation-more-{i:04d}", "不是这个啊", "clarify")

    rows = rows_of(db, app)
    assert [r.question for r in rows] == ["地下室改成仓库要办什么手续"]
    row = rows[0]
    assert row.count == 1 and row.reasons["rejected"] == 1
    assert row.answered_with == (("use-filing", "need-filing"),)
    assert row.now.label.startswith("仍答为：") and not row.now.resolved  # the matcher still gives the rejected answer


def test_an_unhelpful_vote_puts_its_question_on_the_list_with_the_reason(client, ask, db, app):
    reply = ask("易地建设费能退吗")
    client.post("/api/feedback", json={"conversation_id": reply["conversation_id"], "helpful": False, "reason": "没说退多少"})
    good = ask("警报试鸣是哪天")
    client.post("/api/feedback", json={"conversation_id": good["conversation_id"], "helpful": True})
    rows = rows_of(db, app)
    assert [(r.question, r.reasons["unhelpful"], r.remarks) for r in rows] == [("易地建设费能退吗", 1, ("没说退多少",))]


def test_questions_older_than_30_days_are_not_listed(db, app):
    log(db, "conversation-old-00001", "猫丢了怎么办", "decline", ago=timedelta(days=31))
    assert rows_of(db, app) == []


def test_the_dashboard_shows_the_grouped_rows_and_the_full_list_opens_each_rows_conversations(admin, db):
    for i, question in enumerate(["猫丢了怎么办", "猫丢了怎么办", "猫丢了怎么办？", "我家的猫丢了怎么办", "我的猫跑丢了怎么办啊"]):
        log(db, f"cat-conversation-{i:04d}", question, "decline", ago=timedelta(hours=i + 1))
    cid = "conversation-with-story"
    log(db, cid, "结建审批要多久", "answer", "shelter-build-approval", ago=timedelta(minutes=30))
    log(db, cid, "我电话139****5678，猫丢了怎么办", "decline", ago=timedelta(minutes=20))
    log(db, cid, "好的", "smalltalk", ago=timedelta(minutes=10))

    html = page(admin.client.get("/admin"))
    section = html[html.index("知识库缺口"):html.index("群众评价")]
    assert re.search(r'猫丢了怎么办</a>\s*<span class="fix-row__variants">另有 3 种问法：.*?</th>\s*<td class="num">5</td>', section, re.S)
    assert "139****5678" in section and "13912345678" not in html
    assert 'href="/admin/fix.xlsx"' in section and 'href="/admin/fix"' in section

    listing = page(admin.client.get("/admin/fix"))
    keys = re.findall(r'href="/admin/fix/([0-9a-f]{16})"', listing)
    assert keys == [gaps.row_key("猫丢了怎么办"), gaps.row_key("我电话139****5678，猫丢了怎么办")]
    cats = page(admin.client.get(f"/admin/fix/{keys[0]}"))
    assert cats[cats.index("所在的对话"):cats.index('id="fix-title"')].count('class="conversation"') == 5
    detail = admin.client.get(f"/admin/fix/{keys[1]}")
    assert detail.status_code == 200
    story = page(detail)
    conversation = story[story.index("所在的对话"):story.index('id="fix-title"')]
    assert conversation.count('class="conversation"') == 1
    order = [conversation.index(q) for q in ("结建审批要多久", "我电话139****5678，猫丢了怎么办", "好的")]
    assert order == sorted(order)  # the masked questions in the order they were asked
    assert "（本问题）" in conversation
    assert admin.client.get("/admin/fix/0123456789abcdef").status_code == 404


def test_staff_get_403_on_every_admin_page(auth, db):
    auth.create("wang", "staff")
    auth.login("wang")
    log(db, "cat-conversation-0000", "猫丢了怎么办", "decline")
    key = gaps.row_key("猫丢了怎么办")
    for path in ["/admin/fix", "/admin/fix.xlsx", f"/admin/fix/{key}", "/admin/users", "/admin/audit"]:
        assert auth.client.get(path).status_code == 403, path
    token = csrf(auth.client, "/staff")
    for path in [f"/admin/fix/{key}/variant", "/admin/users", "/admin/users/1/disable"]:
        assert auth.client.post(path, data={"csrf_token": token, "name": "x", "target": "offsite-fee/refund"}).status_code == 403


# ---------------------------------------------------------------- one click: variant, entry, referral


@pytest.fixture
def gap(admin, db):
    """A question the assistant does not answer yet, on the list, and its row's page address."""
    log(db, "conversation-hotpot001", "地下室可以开火锅店吗", "clarify")
    key = gaps.row_key("地下室可以开火锅店吗")
    assert admin.client.get(f"/admin/fix/{key}").status_code == 200
    return f"/admin/fix/{key}"


def versions(db):
    return knowledge_versions.history(db)


def test_one_click_adds_the_question_as_a_variant_of_an_entry_and_the_chat_answers_it(admin, gap, ask, knowledge_dir, db):
    response = admin.client.post(f"{gap}/variant", data={
        "csrf_token": csrf(admin.client, gap), "target": "use-filing/need-filing", "text": "地下室可以开火锅店吗"})
    assert response.status_code == 302 and response.headers["Location"] == gap
    entry = load(knowledge_dir).items["use-filing"].entry("need-filing")
    assert entry.variants[-1] == "地下室可以开火锅店吗"
    reply = ask("地下室可以开火锅店吗")
    assert (reply["item_id"], reply["entry_id"]) == ("use-filing", "need-filing")
    assert versions(db)[0].who == "chen"
    html = page(admin.client.get(gap))
    assert "已把“地下室可以开火锅店吗”加为" in html and "已能回答：" in html


def test_one_click_adds_the_question_to_an_items_own_examples(admin, gap, knowledge_dir):
    response = admin.client.post(f"{gap}/variant", data={
        "csrf_token": csrf(admin.client, gap), "target": "use-filing/", "text": "地下室可以开火锅店吗"})
    assert response.status_code == 302
    assert load(knowledge_dir).items["use-filing"].questions[-1] == "地下室可以开火锅店吗"


def test_a_new_entry_is_written_to_the_items_file_and_a_bad_one_names_the_field_and_writes_nothing(admin, gap, knowledge_dir, ask):
    path = knowledge_dir / "items" / "use-filing.yaml"
    before = path.read_bytes()
    fields = {
        "csrf_token": csrf(admin.client, gap), "form": "entry", "item_id": "use-filing", "entry_id": "restaurant",
        "question": "人防工程能开火锅店吗？", "variants": "防空地下室开饭店行不行\n地下室开餐馆可以吗", "keywords": "火锅店、饭店、餐馆",
        "answer": "", "sources": "domain-facts.md §5",
    }
    refused = admin.client.post(f"{gap}/entry", data=fields)
    assert refused.status_code == 422
    assert "直接回答" in page(refused) and "火锅店、饭店、餐馆" in page(refused)  # the field named, nothing typed lost
    assert path.read_bytes() == before

    fields["answer"] = "人防工程平时用来经营，要在投入使用之日起10日内办理使用备案，并且不得影响防空效能；能否开餐饮，请先咨询区国动办。"
    response = admin.client.post(f"{gap}/entry", data=fields)
    assert response.status_code == 302, page(response)
    entry = load(knowledge_dir).items["use-filing"].entry("restaurant")
    assert entry.question == "人防工程能开火锅店吗？" and entry.variants == ("防空地下室开饭店行不行", "地下室开餐馆可以吗")
    assert entry.keywords == ("火锅店", "饭店", "餐馆") and entry.sources == ("domain-facts.md §5",)
    assert path.read_text(encoding="utf-8").startswith(before.decode("utf-8")[:200])  # the file's head, comments kept


@pytest.fixture
def cat_gap(admin, db):
    for i, question in enumerate([CAT[0], *CAT[:3]]):
        log(db, f"cat-conversation-{i:04d}", question, "decline")
    return f"/admin/fix/{gaps.row_key('我家的猫丢了怎么办')}"


REPLY = "宠物走失请联系所在社区居委会，或拨打12345市民服务热线咨询。这不属于国动办（人防）的业务。"


def test_a_referral_is_appended_to_referrals_yaml_keeping_every_line_and_the_chat_refers_the_question(admin, cat_gap, knowledge_dir, ask, db):
    path = knowledge_dir / "referrals.yaml"
    before = path.read_text(encoding="utf-8")
    response = admin.client.post(f"{cat_gap}/referral", data={
        "csrf_token": csrf(admin.client, cat_gap), "form": "referral", "topic": "宠物走失",
        "keywords": "猫丢了，宠物走失、狗丢了", "reply": REPLY})
    assert response.status_code == 302, page(response)
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # appended: every comment and line of the file as it was
    referral = load(knowledge_dir).referrals[-1]
    assert (referral.topic, referral.keywords, referral.reply) == ("宠物走失", ("猫丢了", "宠物走失", "狗丢了"), REPLY)
    assert "chen 于" in after.splitlines()[-5]  # who added it, as a comment
    reply = ask("我家的猫丢了怎么办")
    assert reply["kind"] == "decline" and reply["reply"].startswith("宠物走失请联系")
    assert versions(db)[0].who == "chen" and "宠物走失" in versions(db)[0].note
    assert "转介：宠物走失" in page(admin.client.get(cat_gap))


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"keywords": "车位、猫丢了"}, "会把本办的问题也转走"),  # 人防车位 questions would be sent away
        ({"keywords": "宠物医院"}, "仍不会被转介"),  # not a word of the question
        ({"keywords": "猫丢了", "reply": "请拨打021-12345678咨询宠物走失的事情。"}, "不要写电话"),
        ({"keywords": "猫丢了", "reply": "这个问题由（部门名称）负责，请拨打12345。"}, "换成负责的部门"),
        ({"keywords": "猫"}, "至少两个字"),
        ({"topic": ""}, "请填写话题"),
    ],
)
def test_a_referral_that_would_do_harm_or_nothing_is_refused_and_nothing_is_written(admin, cat_gap, knowledge_dir, fields, message):
    path = knowledge_dir / "referrals.yaml"
    before = path.read_bytes()
    data = {"csrf_token": csrf(admin.client, cat_gap), "form": "referral", "topic": "宠物走失", "reply": REPLY, **fields}
    response = admin.client.post(f"{cat_gap}/referral", data=data)
    assert response.status_code == 400
    assert message in page(response)
    assert path.read_bytes() == before


def test_a_fix_needs_the_csrf_token(admin, cat_gap, knowledge_dir):
    before = (knowledge_dir / "referrals.yaml").read_bytes()
    response = admin.client.post(f"{cat_gap}/referral", data={"topic": "宠物走失", "keywords": "猫丢了", "reply": REPLY})
    assert response.status_code == 400
    assert (knowledge_dir / "referrals.yaml").read_bytes() == before


# ---------------------------------------------------------------- spreadsheets never hold a formula

DANGEROUS = ["=HYPERLINK(\"http://example.com\",\"点这里\")", "+86 人防办电话", "-1+1 人防", "@SUM(A1:A9) 人防"]


@pytest.mark.parametrize("text", [*DANGEROUS, "\t=1+1", "＝1+1"])
def test_a_cell_that_starts_like_a_formula_is_written_as_text(text):
    from openpyxl import Workbook

    cell = Workbook().active.cell(1, 1, text)
    export.safe_cell(cell)
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == text


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_the_gap_list_exports_to_xlsx_without_any_formula(admin, db):
    for i, text in enumerate(DANGEROUS):
        log(db, f"formula-conversation-{i:03d}", text, "decline")
    response = admin.client.get("/admin/fix.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "<f>" not in _sheet_xml(response.data)
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value.startswith("问题") and sheet["B1"].value == "次数"
    cells = {sheet.cell(r, 1).value: sheet.cell(r, 1) for r in range(2, sheet.max_row + 1)}
    assert set(cells) == set(DANGEROUS)
    for cell in cells.values():
        assert cell.data_type == "s" and cell.quotePrefix


def test_the_knowledge_export_writes_no_formula_either(app, tmp_path):
    knowledge = load(app.config["KNOWLEDGE"])
    item = knowledge.items["offsite-fee"]
    items = {**knowledge.items, "offsite-fee": item.model_copy(update={"summary": "=1+1 易地建设费", "questions": ("-退费", *item.questions)})}
    target = tmp_path / "kb.xlsx"
    export.write_xlsx(replace(knowledge, items=items), str(target))
    assert "<f>" not in _sheet_xml(target.read_bytes())
    sheet = load_workbook(target).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "offsite-fee")
    summary, questions = row[4], row[9]
    assert summary.value == "=1+1 易地建设费" and summary.data_type == "s" and summary.quotePrefix
    assert questions.value.startswith("-退费") and questions.quotePrefix


# ---------------------------------------------------------------- charts

def test_a_bar_chart_is_an_image_named_and_described_in_words_with_every_label_escaped():
    svg = str(charts.bars("chart-x", "各事项<b>比例</b>", [charts.Bar("<script>", 3, "3"), charts.Bar("易地建设费", 6, "6（60%）")]))
    assert svg.startswith('<svg class="chart" id="chart-x" role="img"')
    assert 'aria-labelledby="chart-x-title chart-x-desc"' in svg
    assert '<title id="chart-x-title">各事项&lt;b&gt;比例&lt;/b&gt;</title>' in svg
    assert '<desc id="chart-x-desc">&lt;script&gt;：3；易地建设费：6（60%）。</desc>' in svg
    assert "<script>" not in svg and "style=" not in svg  # nothing the CSP would refuse
    widths = [float(w) for w in re.findall(r'class="chart__bar" x="0" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths == [180, 360]  # the largest value is a full bar


def test_a_column_chart_summarises_the_days_in_words():
    svg = str(charts.columns("chart-days", "每天的提问数", [("11-01", 2), ("11-02", 0), ("11-03", 5)], unit="个问题"))
    assert "合计 7个问题" in svg and "最多的一天是 11-03（5个问题）" in svg and "最少的一天是 11-02（0个问题）" in svg
    assert svg.count('class="chart__bar"') == 2  # a day without questions draws no column
    assert "没有数据" in str(charts.bars("chart-empty", "空", []))


def test_the_dashboard_draws_every_chart_with_a_table_of_its_numbers(admin, ask):
    ask("易地建设费能退吗")
    ask("猫丢了怎么办")
    html = page(admin.client.get("/admin"))
    for chart in ("chart-days", "chart-kinds", "chart-top", "chart-phone", "chart-callbacks"):
        assert re.search(rf'<svg class="chart" id="{chart}" role="img"[^>]*aria-labelledby="{chart}-title {chart}-desc"', html), chart
    assert "查看每天的数字" in html and "<caption>近 30 天回答最多的事项</caption>" in html
    today = datetime.now(audit.OFFICE_TZ).date().isoformat()
    assert f'<th scope="row" class="nowrap">{today}</th><td class="num">2</td>' in html
    assert "<th>" not in html


# ---------------------------------------------------------------- accounts on the web

def add_user(client, name="li", role="staff", password="a-long-password-1", again=None):
    return client.post("/admin/users", data={
        "csrf_token": csrf(client), "name": name, "role": role, "password": password,
        "password2": password if again is None else again})


def audit_rows(db, action):
    return [e for e in audit.entries(db) if e.action == action]


def test_an_admin_adds_an_account_that_can_log_in_and_the_change_is_audited(admin, client, db):
    response = add_user(admin.client, "li", "staff")
    assert response.status_code == 302
    html = page(admin.client.get("/admin/users"))
    assert "已创建窗口人员账号：li" in html and '<th scope="row">li</th>' in html
    [entry] = audit_rows(db, "user_add")
    assert (entry.user, entry.detail) == ("chen", "li（窗口人员）")
    admin.logout()
    assert admin.login("li", "a-long-password-1").status_code == 302


@pytest.mark.parametrize(
    "name, role, password, again, message",
    [
        ("li", "staff", "short", None, "密码太短了：至少需要10个字符。"),
        ("li", "staff", "a-long-password-1", "a-long-password-2", "两次输入的密码不一致，账号没有创建。"),
        ("WANG", "staff", "a-long-password-1", None, "用户名“WANG”已经存在，请换一个。"),
        ("li", "boss", "a-long-password-1", None, "角色只能是 staff（窗口人员）或 admin（管理员）"),
        ("li li", "staff", "a-long-password-1", None, "用户名应为1至32个字符，不能包含空格。"),
    ],
)
def test_the_web_refuses_what_the_command_line_refuses_with_the_same_words(runner, admin, db, name, role, password, again, message):
    admin.create("wang", "staff")
    response = add_user(admin.client, name, role, password, again)
    assert response.status_code == 400
    assert message in page(response)
    assert audit_rows(db, "user_add") == []
    typed = password + "\n" + (again if again is not None else password) + "\n"
    result = runner.invoke(["users", "add", name, "--role", role], input=typed)
    assert result.exit_code == 1 and message.split("（")[0].rstrip("，。") in result.output
    assert [u["name"] for u in db.query("select name from users order by id")] == ["chen", "wang"]


def test_disabling_an_account_ends_its_sessions_and_enabling_lets_it_log_in_again(admin, app, db):
    admin.create("wang", "staff")
    clerk = app.test_client()
    from conftest import AuthActions

    AuthActions(clerk, admin.db_path).login("wang")
    assert clerk.get("/staff").status_code == 200
    wang = next(db.query("select id from users where name = 'wang'"))["id"]

    response = admin.client.post(f"/admin/users/{wang}/disable", data={"csrf_token": csrf(admin.client)})
    assert response.status_code == 302
    assert clerk.get("/staff").status_code == 302  # logged out at once
    assert AuthActions(clerk, admin.db_path).login("wang").status_code == 401
    assert "已停用" in page(admin.client.get("/admin/users"))

    admin.client.post(f"/admin/users/{wang}/enable", data={"csrf_token": csrf(admin.client)})
    assert AuthActions(clerk, admin.db_path).login("wang").status_code == 302
    assert [(e.action, e.detail) for e in audit.entries(db) if e.action.startswith("user_")] == [
        ("user_disable", "wang（窗口人员）"), ("user_enable", "wang（窗口人员）")]


def test_an_admin_cannot_disable_their_own_account(admin, db):
    me = next(db.query("select id from users where name = 'chen'"))["id"]
    response = admin.client.post(f"/admin/users/{me}/disable", data={"csrf_token": csrf(admin.client)})
    assert response.status_code == 400 and "不能停用自己正在使用的账号" in page(response)
    assert next(db.query("select active from users where id = ?", [me]))["active"] == 1


def test_a_reset_password_works_at_once_ends_old_sessions_and_follows_the_rules(admin, app, db):
    admin.create("wang", "staff")
    wang = next(db.query("select id from users where name = 'wang'"))["id"]
    from conftest import AuthActions

    clerk = app.test_client()
    AuthActions(clerk, admin.db_path).login("wang")
    short = admin.client.post(f"/admin/users/{wang}/password", data={
        "csrf_token": csrf(admin.client), "password": "short", "password2": "short"})
    assert short.status_code == 400 and "密码太短了" in page(short)
    mismatch = admin.client.post(f"/admin/users/{wang}/password", data={
        "csrf_token": csrf(admin.client), "password": "new-password-2026", "password2": "new-password-2027"})
    assert mismatch.status_code == 400 and "两次输入的密码不一致" in page(mismatch)
    assert clerk.get("/staff").status_code == 200  # nothing changed yet

    done = admin.client.post(f"/admin/users/{wang}/password", data={
        "csrf_token": csrf(admin.client), "password": "new-password-2026", "password2": "new-password-2026"})
    assert done.status_code == 302
    assert clerk.get("/staff").status_code == 302
    assert AuthActions(clerk, admin.db_path).login("wang", PASSWORD).status_code == 401
    assert AuthActions(clerk, admin.db_path).login("wang", "new-password-2026").status_code == 302
    [entry] = audit_rows(db, "user_password")
    assert (entry.user, entry.detail) == ("chen", "wang（窗口人员）")
    assert "new-password-2026" not in (entry.detail or "")


def test_account_changes_need_the_csrf_token(admin, db):
    response = admin.client.post("/admin/users", data={"name": "li", "role": "staff", "password": "a-long-password-1",
                                                        "password2": "a-long-password-1"})
    assert response.status_code == 400
    assert db["users"].count == 1


# ---------------------------------------------------------------- the whole audit log

@pytest.fixture
def long_log(db):
    """120 entries a minute apart, and two either side of midnight in the office (UTC+8)."""
    start = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for i in range(120):
        actor = audit.Actor("li" if i % 3 == 0 else "wang", "10.0.0.7")
        action = ("view", "search", "reveal")[i % 3]
        audit.record(db, actor, action, case_no=f"RF-2026-{i:04d}", detail=None, now=start + timedelta(minutes=i))
    audit.record(db, audit.Actor("zhao", "10.0.0.8"), "view", "RF-LATE-0001", now=datetime(2026, 11, 24, 15, 59, 59, tzinfo=UTC))
    audit.record(db, audit.Actor("zhao", "10.0.0.8"), "view", "RF-EARLY-0001", now=datetime(2026, 11, 24, 16, 0, 30, tzinfo=UTC))


def rows_shown(html: str) -> list[list[str]]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_whole_log_is_paged_newest_first_in_office_time(admin, long_log):
    first = page(admin.client.get("/admin/audit"))
    assert "共 122 条" in first and "第 1 / 3 页" in first
    rows = rows_shown(first)
    assert len(rows) == 50
    assert rows[0][:4] == ["2026-11-25 00:00:30", "zhao", "查看", "RF-EARLY-0001"]
    assert rows[1][0] == "2026-11-24 23:59:59"
    assert 'href="/admin/audit?page=2"' in first and "上一页" not in first
    last = page(admin.client.get("/admin/audit?page=3"))
    assert len(rows_shown(last)) == 22 and rows_shown(last)[-1][3] == "RF-2026-0000"
    assert rows_shown(page(admin.client.get("/admin/audit?page=99"))) == rows_shown(last)  # past the end: the last page
    assert rows_shown(page(admin.client.get("/admin/audit?page=x"))) == rows


@pytest.mark.parametrize(
    "query, count, check",
    [
        ("user=LI", 40, lambda r: r[1] == "li"),
        ("action=reveal", 40, lambda r: r[2] == "显示完整电话"),
        ("case_no=rf-2026-011", 10, lambda r: r[3].startswith("RF-2026-011")),
        ("since=2026-11-25", 1, lambda r: r[3] == "RF-EARLY-0001"),
        ("since=2026-11-24&until=2026-11-24", 1, lambda r: r[3] == "RF-LATE-0001"),
        ("user=wang&action=search&until=2026-11-20", 40, lambda r: (r[1], r[2]) == ("wang", "搜索")),
    ],
)
def test_the_log_is_filtered_by_user_action_case_number_and_office_dates(admin, long_log, query, count, check):
    html = page(admin.client.get(f"/admin/audit?{query}"))
    assert f"共 {count} 条" in html
    assert all(check(r) for r in rows_shown(html))


def test_a_filtered_page_links_to_the_next_page_of_the_same_filter(admin, long_log):
    html = page(admin.client.get("/admin/audit?user=wang"))
    assert "共 80 条" in html and 'href="/admin/audit?page=2&amp;user=wang"' in html


@pytest.mark.parametrize(
    "query, message",
    [("since=2026-13-01", "开始日期的格式不正确"), ("since=2026-11-25&until=2026-11-24", "结束日期早于开始日期"), ("action=delete", "没有这种操作类型")],
)
def test_a_bad_filter_is_refused_in_chinese_not_with_a_500(admin, long_log, query, message):
    response = admin.client.get(f"/admin/audit?{query}")
    assert response.status_code == 400 and message in page(response)


def test_account_changes_are_in_the_log_with_their_own_names(admin, db):
    add_user(admin.client, "li", "staff")
    html = page(admin.client.get("/admin/audit?action=user_add"))
    assert "共 1 条" in html and "新建账号" in html and "li（窗口人员）" in html
