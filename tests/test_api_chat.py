"""`POST /api/chat`: the contract's shape, sub-questions first, conversation and clarification."""

from __future__ import annotations

import pytest


def test_answer_has_the_contract_shape(ask):
    reply = ask("结建审批需要准备什么材料")
    assert set(reply) >= {"conversation_id", "reply", "item_id", "score", "kind", "suggestions"}
    assert reply["kind"] == "answer"
    assert reply["item_id"] == "shelter-build-approval"
    assert 0 <= reply["score"] <= 100
    assert all(set(s) >= {"item_id", "title"} for s in reply["suggestions"])


@pytest.mark.parametrize(
    "question, part, fact",
    [
        ("结建审批要准备哪些材料", "materials", "面积计算表"),
        ("结建审批一般要多长时间", "time", "20个工作日"),
        ("结建审批收费吗", "fee", "不收费"),
        ("结建审批的法律依据是什么", "basis", "人民防空法"),
    ],
)
def test_the_asked_part_comes_first_and_the_rest_is_one_click_away(ask, question, part, fact):
    reply = ask(question)
    assert reply["item_id"] == "shelter-build-approval"
    assert fact in reply["reply"]
    keys = [d["key"] for d in reply["details"]]
    # Either the guide's section is the reply itself, or an entry about that very part answers it.
    assert part not in keys or reply["entry_id"]
    assert "summary" in keys
    assert len(reply["details"]) >= 3


def test_follow_up_refers_to_the_last_item(ask):
    first = ask("人防工程平时用来停车要备案吗")
    assert first["item_id"] == "use-filing"
    follow = ask("那要多久？", first["conversation_id"])
    assert follow["kind"] == "answer"
    assert follow["item_id"] == "use-filing"
    assert follow["conversation_id"] == first["conversation_id"]


def test_follow_up_without_context_is_not_answered(ask):
    assert ask("那要多久？")["item_id"] is None


def test_not_this_one_offers_the_runners_up(ask):
    first = ask("人防验收要准备哪些资料")
    assert first["kind"] == "answer" and first["item_id"]
    follow = ask("不是这个", first["conversation_id"])
    assert follow["kind"] == "clarify"
    ids = [s["item_id"] for s in follow["suggestions"]]
    assert first["item_id"] not in ids
    assert len(ids) >= 2


def test_other_authorities_business_is_declined_with_a_referral(ask):
    reply = ask("消防验收在哪里办理")
    assert reply["kind"] == "decline"
    assert reply["item_id"] is None
    assert "12345" in reply["reply"]


def test_small_talk(ask):
    reply = ask("谢谢你")
    assert reply["kind"] == "smalltalk"
    assert reply["item_id"] is None


def test_unknown_conversation_id_starts_a_new_conversation(ask):
    reply = ask("结建审批要多久", "not-a-real-id-but-long-enough")
    assert reply["kind"] == "answer"


def test_topics_endpoint(client):
    topics = client.get("/api/topics").get_json()["topics"]
    assert topics and all(t["title"] for t in topics)


@pytest.mark.parametrize(
    "question, item_id",
    [
        ("仿空地下室要不要同步建", "shelter-build-approval"),  # 仿 for 防: the pinyin input picked wrongly
        ("以地建设怎么申请", "shelter-offsite-approval"),  # 以地 for 易地
        ("結建審批要多久", "shelter-build-approval"),  # traditional characters
        ("renfang 验收", "completion-acceptance"),  # pinyin
        ("民防车位能卖吗", "civil-defence-parking"),  # 民防 for 人防
    ],
)
def test_typing_as_people_really_type_still_finds_the_item(ask, question, item_id):
    reply = ask(question)
    assert (reply["kind"], reply["item_id"]) == ("answer", item_id)


@pytest.mark.parametrize("question", ["人防工程", "审批"])
def test_a_short_question_that_fits_several_items_asks_which_one(ask, question):
    reply = ask(question)
    assert reply["kind"] == "clarify" and reply["item_id"] is None
    assert 2 <= len(reply["suggestions"]) <= 3
    picked = ask(reply["suggestions"][0]["title"], reply["conversation_id"])  # the button sends its title
    assert picked["item_id"] == reply["suggestions"][0]["item_id"]


def test_a_sub_question_with_no_item_and_no_conversation_asks_which_item(ask):
    reply = ask("要交钱吗？")
    assert reply["kind"] == "clarify" and reply["item_id"] is None
    assert reply["suggestions"]


def test_ok_after_an_answer_is_small_talk_not_a_new_question(ask):
    first = ask("人防车位能装充电桩吗")
    for word in ("好的", "明白了", "ok"):
        reply = ask(word, first["conversation_id"])
        assert reply["kind"] == "smalltalk", word
    assert ask("好差评在哪里评")["kind"] == "answer"  # 好 inside a question is not small talk


def test_not_this_one_after_a_follow_up_offers_the_alternatives_of_the_item_followed(ask):
    question = "人防工程平时用来停车要备案吗"
    straight = ask(question)
    alternatives = ask("不是这个", straight["conversation_id"])  # rejected at once
    first = ask(question)  # the same question in a new conversation, then a follow-up
    follow = ask("那要多久？", first["conversation_id"])
    assert follow["item_id"] == first["item_id"]
    rejected = ask("不是这个", follow["conversation_id"])
    assert rejected["kind"] == "clarify"
    offered = [s["item_id"] for s in rejected["suggestions"] if s["item_id"]]
    assert offered and first["item_id"] not in offered
    assert offered == [s["item_id"] for s in alternatives["suggestions"] if s["item_id"]]
    # The last button says none of them: it leads to how to reach a person, not round again.
    none_of_these = rejected["suggestions"][-1]
    assert none_of_these["item_id"] is None and none_of_these["title"].startswith("都不是")
    person = ask(none_of_these["title"], follow["conversation_id"])
    assert person["kind"] == "clarify" and "12345" in person["reply"]


def test_a_clarification_offers_the_items_that_share_the_questions_words(ask):
    reply = ask("小区地下室门被锁了")
    assert reply["kind"] == "clarify"
    assert "report-violation" in [s["item_id"] for s in reply["suggestions"]]


def test_the_more_line_names_the_sections_that_really_exist(ask, client):
    reply = ask("人防车位能装充电桩吗")
    titles = [d["title"] for d in reply["details"]]
    assert titles and "所需材料" not in titles  # a parking space has no materials to submit
    more = reply["reply"].splitlines()[-1]
    assert all(title in more for title in titles)
