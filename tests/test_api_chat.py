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
