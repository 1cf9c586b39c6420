"""Personal numbers are masked however they are written, and codes are never taken for case numbers.

Through the real chat: what people type is stored in the question log only masked; an ID number or a
standard's code in a question never starts a case look-up or lands in the conversation.
"""

from __future__ import annotations

import pytest

from assistant.cases import find_case_number
from assistant.db import connect
from assistant.privacy import mask_phone, mask_text


@pytest.mark.parametrize(
    "written, masked",
    [
        ("13912345678", "139****5678"),
        ("139 1234 5678", "139****5678"),
        ("139-1234-5678", "139****5678"),
        ("+86 139 1234 5678", "139****5678"),
        ("0086-13912345678", "139****5678"),
        ("１３９１２３４５６７８", "139****5678"),
        ("021-61234567", "021****4567"),
        ("021 6123 4567", "021****4567"),
        ("61234567", "61****67"),
        ("310101199001011234", "310101********1234"),
        ("31010119900101123X", "310101********123X"),
        ("310101900101123", "310101*****1123"),
        ("6222 0212 3456 7890 123", "***************0123"),
    ],
)
def test_every_common_way_of_writing_a_number_is_masked(written, masked):
    assert mask_text(f"我的号码是{written}，请回电。") == f"我的号码是{masked}，请回电。"


@pytest.mark.parametrize(
    "text", ["2026年罚款10000元，共163件", "按GB50038-2005设计", "办件QP-2026-0101", "国发〔2008〕4号", "9月19日11:35"]
)
def test_years_amounts_counts_and_codes_are_left_alone(text):
    assert mask_text(text) == text


def test_a_phone_field_is_masked_whatever_its_form():
    assert mask_phone("+86 139-1234-5678") == "139****5678"
    assert mask_phone("021-61234567") == "021****4567"


@pytest.mark.parametrize(
    "text",
    ["人防工程按GB50038-2005设计吗", "我们有ISO9001认证", "JGJ 59 检查标准", "身份证31010119900101123X", "DB31/T 1234 规范",
     "沪国动〔2025〕4号文件"],
)
def test_codes_and_id_numbers_are_not_case_numbers(text):
    assert find_case_number(text) is None


def test_an_id_number_in_the_chat_is_masked_and_never_kept_in_the_conversation(ask, db_path):
    reply = ask("我的身份证号31010119900101123X，人防车位能买吗")
    assert reply["kind"] == "answer"  # a question, not a case look-up
    db = connect(db_path)
    assert [r["question"] for r in db["questions"].rows] == ["我的身份证号310101********123X，人防车位能买吗"]
    assert all(r["pending_case_no"] is None for r in db["conversations"].rows)


@pytest.mark.parametrize("written", ["+86 139 1234 5678", "139-1234-5678", "0086 13912345678"])
def test_a_phone_in_a_question_is_stored_masked(ask, db_path, written):
    ask(f"请回电{written}，人防车位的事")
    assert connect(db_path)["questions"].get(1)["question"] == "请回电139****5678，人防车位的事"
