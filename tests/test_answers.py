"""The direct reply answers the question that was asked, not just its topic (through `/api/chat`).

Each item holds question-level entries (a refund, the fine for not filing, what a siren signal
sounds like); the reply's first part is the entry's answer, the rest of the item is one click away
and its other entries are offered as related questions.
"""

from __future__ import annotations

import pytest

from assistant import create_app


def test_the_fine_for_not_filing_is_the_fine_not_the_fee_section(ask):
    reply = ask("人防工程用来停车了没去备案，会罚多少钱？")
    assert reply["kind"] == "answer" and reply["entry_id"]
    assert "500元" in reply["reply"] and "5000元" in reply["reply"]  # units: 500 to 5,000 yuan
    assert "100元" in reply["reply"] and "1000元" in reply["reply"]  # individuals: 100 to 1,000 yuan
    assert "收费" not in reply["reply"].splitlines()[1]  # not the fee section's "no charge"


def test_a_refund_question_gets_the_refund_answer_not_the_fee_rate(ask):
    reply = ask("项目取消了，交过的易地建设费还能退吗")
    assert reply["item_id"] == "offsite-fee" and reply["entry_id"]
    assert "退" in reply["reply"]
    assert "12345" in reply["reply"] or "国动办" in reply["reply"]  # where to ask
    assert "元/平方米" not in reply["reply"]  # no invented rate


def test_a_siren_signal_question_gets_that_signal(ask):
    reply = ask("预先警报是怎么响的")
    assert reply["item_id"] == "siren-test" and reply["entry_id"]
    assert "36秒" in reply["reply"] and "24秒" in reply["reply"]


def test_an_entry_answer_keeps_the_rest_of_the_item_one_click_away(ask):
    reply = ask("人防车位能装充电桩吗")
    assert reply["entry_id"] == "charger"
    keys = [d["key"] for d in reply["details"]]
    assert "summary" in keys  # the item itself, folded
    related = reply["related_questions"]
    assert related and all(r["item_id"] == "civil-defence-parking" for r in related)
    assert "charger" not in [r["entry_id"] for r in related]


def test_a_plain_sub_question_is_answered_from_the_guide_fields(ask):
    reply = ask("结建审批要准备哪些材料")
    assert reply["kind"] == "answer" and reply["item_id"] == "shelter-build-approval"
    assert reply["entry_id"] is None and reply["details"]
    assert "materials" not in [d["key"] for d in reply["details"]]  # it is the reply itself


def test_general_questions_about_civil_defence_have_an_item(ask):
    what = ask("人防是什么")
    assert what["item_id"] == "about-civil-defence" and "国防" in what["reply"]
    still = ask("现在还需要防空洞吗")
    assert still["item_id"] == "about-civil-defence" and "平战结合" in still["reply"]


@pytest.mark.parametrize(
    "today, next_test",
    [
        ("2026-09-01", "2026年9月19日"),  # this year's test is still ahead
        ("2026-12-02", "2027年9月18日"),  # this year's has passed: next year's third Saturday
        ("2027-09-18", "2027年9月18日"),  # on the day itself
    ],
)
def test_the_next_siren_test_is_computed_from_the_rule_and_today(db_path, knowledge_dir, today, next_test):
    app = create_app(
        {"TESTING": True, "DB": str(db_path), "KNOWLEDGE": str(knowledge_dir), "SECRET_KEY": "test",
         "DEMO_DATA": False, "TODAY": today}
    )
    reply = app.test_client().post("/api/chat", json={"message": "下一次防空警报试鸣是哪天？"}).get_json()
    assert reply["item_id"] == "siren-test"
    assert next_test in reply["reply"]


def test_a_misspelt_date_placeholder_is_a_knowledge_error_with_its_line(knowledge_dir):
    from assistant.errors import KnowledgeError
    from assistant.knowledge import load

    path = knowledge_dir / "items" / "siren-test.yaml"
    text = path.read_text(encoding="utf-8")
    assert "{next_siren_test}" in text
    path.write_text(text.replace("{next_siren_test}", "{next_siren_tset}", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load(knowledge_dir)
    line = next(n for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "next_siren_tset" in row)
    problems = [str(p) for p in caught.value.problems]
    assert any("siren-test.yaml:" in p and "next_siren_tset" in p for p in problems), problems
    assert any(f":{line}:" in p or f":{line - 1}:" in p for p in problems), (line, problems)


def test_a_sentence_cut_across_two_lines_is_a_knowledge_error(knowledge_dir):
    from assistant.errors import KnowledgeError
    from assistant.knowledge import load

    (knowledge_dir / "items" / "cut-sentence.yaml").write_text(
        "id: cut-sentence\nname: 一个测试事项\nshort_name: 测试事项\ncategory: info\n"
        "summary: |\n  这句话说到一半，\n  就换了行。\n"
        "questions: [测试一, 测试二, 测试三, 测试四, 测试五]\nsources: [测试]\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError) as caught:
        load(knowledge_dir)
    assert [str(p) for p in caught.value.problems if "cut-sentence" in str(p)] == [
        "knowledge/items/cut-sentence.yaml:6: summary：这一行在句子中间换行了（“这句话说到一半，”），页面上会分成两段；请把下一行接到这一行后面"
    ]
