"""Bad input gets a clear Chinese error and a 4xx, never a 500 or a stack trace."""

from __future__ import annotations

import pytest


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize(
    "body, status",
    [
        ({"message": ""}, 400),
        ({"message": "   \n\t "}, 400),
        ({"message": "问" * 1001}, 400),
        ({"message": 123}, 400),
        ({"message": ["结建"]}, 400),
        ({"message": None}, 400),
        ({}, 400),
        ([], 400),
        ("只是一段文字", 400),
        ({"message": "结建", "conversation_id": 42}, 400),
    ],
)
def test_bad_chat_bodies(client, body, status):
    response = client.post("/api/chat", json=body)
    assert response.status_code == status
    assert _is_chinese(response.get_json()["error"])


def test_broken_json(client):
    response = client.post("/api/chat", data='{"message": "结建', content_type="application/json")
    assert response.status_code == 400
    assert _is_chinese(response.get_json()["error"])


def test_body_over_64kb_is_413(client):
    response = client.post("/api/chat", data="x" * 70_000, content_type="application/json")
    assert response.status_code == 413
    assert _is_chinese(response.get_json()["error"])


def test_ten_thousand_characters_is_refused_politely(client):
    response = client.post("/api/chat", json={"message": "人防" * 5000})
    assert response.status_code == 400
    assert "1000" in response.get_json()["error"]


def test_wrong_method_and_unknown_route_speak_chinese(client):
    assert client.get("/api/chat").status_code == 405
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert _is_chinese(response.get_json()["error"])
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "页面不存在" in page.get_data(as_text=True)


@pytest.mark.parametrize("odd", ["<script>alert(1)</script>", "😀😀😀", "？？？", "1234567890", "\u200b\u200b", "ａｂｃ"])
def test_odd_input_gets_an_answer_not_an_error(ask, odd):
    reply = ask(odd)
    assert reply["kind"] in ("answer", "clarify", "decline", "smalltalk", "case")
    assert "<script>" not in reply["reply"]


def test_a_character_without_a_pinyin_reading_is_still_answered(ask):
    """68 characters of the basic CJK block have no reading in pypinyin (兙, 兡, 嗧...): a name or a
    typing slip holding one must not break the answer."""
    reply = ask("兙人防车位能卖吗")
    assert reply["kind"] == "answer" and reply["item_id"] == "civil-defence-parking"
    assert ask("兡嗧")["kind"] in ("clarify", "decline", "smalltalk")


def test_questions_are_stored_masked(client, ask, app):
    ask("我的手机13812345678，身份证310101199001011234，结建审批要多久")
    from assistant.db import connect

    rows = list(connect(app.config["DB"]).query("select question from questions"))
    stored = rows[-1]["question"]
    assert "13812345678" not in stored and "138****5678" in stored
    assert "310101199001011234" not in stored


def test_pages_and_answers_carry_the_safety_headers(client):
    page = client.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    answer = client.post("/api/chat", json={"message": "结建审批要多久"})
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/api/chat", "/api/cases/lookup", "/api/prereview"])
def test_a_lone_surrogate_escaped_in_json_is_refused_not_a_500(client, url):
    body = b'{"message": "\\ud800", "case_no": "\\ud800", "phone_last4": "1234", "item_id": "\\udfff", "have": []}'
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 400 and "无法识别的字符" in response.get_json()["error"]
