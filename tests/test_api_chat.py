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
    "question, first_section",
    [
        ("结建审批要准备哪些材料", "materials"),
        ("结建审批一般要多长时间", "time"),
        ("结建审批收费吗", "fee"),
        ("结建审批的法律依据是什么", "basis"),
    ],
)
def test_the_asked_part_comes_first_and_the_rest_is_one_click_away(ask, question, first_section):
    reply = ask(question)
    assert reply["item_id"] == "shelter-build-approval"
    keys = [d["key"] for d in reply["details"]]
    assert first_section not in keys  # it is in the reply itself
    assert "summary" in keys or first_section == "summary"
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
