"""The matcher understands how applicants really type, and still declines what is not ours."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.knowledge import load
from assistant.matcher import match, subquestions
from assistant.normalise import clean

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def knowledge():
    return load(ROOT / "knowledge")


def top(knowledge, question):
    decision = match(knowledge, question)
    return decision.item_id if decision.kind == "answer" else decision.kind


def test_clean_folds_width_case_and_script():
    assert clean("ＡＢＣ，民防工程檔案接收！") == "abc 民防工程档案接收"


@pytest.mark.parametrize(
    "question, expected",
    [
        ("人访车位可以买吗", "civil-defence-parking"),  # 访 for 防: same sound
        ("放空警报试鸣", "siren-test"),  # 放空 for 防空
        ("易地建设费怎么交", "offsite-fee"),
        ("以地建设费怎么交", "offsite-fee"),  # 以地 for 易地
        ("异地建设要什么条件", "shelter-offsite-approval"),
    ],
)
def test_homophones_find_their_item(knowledge, question, expected):
    assert top(knowledge, question) == expected


@pytest.mark.parametrize(
    "question, expected",
    [
        ("人防車位能不能賣", "civil-defence-parking"),
        ("防空警報試鳴是什麼時候", "siren-test"),
        ("民防工程竣工驗收要準備什麼", "completion-acceptance"),
    ],
)
def test_traditional_characters(knowledge, question, expected):
    assert top(knowledge, question) == expected


@pytest.mark.parametrize(
    "question, expected",
    [
        ("renfang 验收", "completion-acceptance"),
        ("民防 filing 怎么办", "use-filing"),
        ("国动办电话", "office-contact"),
    ],
)
def test_abbreviations_and_english(knowledge, question, expected):
    assert top(knowledge, question) == expected


@pytest.mark.parametrize(
    "question",
    ["社保卡怎么补办", "驾驶证到期去哪换", "营业执照怎么注销", "今天会下雨吗", "消防验收要多久"],
)
def test_other_business_is_declined(knowledge, question):
    assert top(knowledge, question) == "decline"


def test_long_story_is_scored_on_its_meaningful_words(knowledge):
    story = "你好，我想问一下，我们那个项目在赵巷，地上三万多平方的住宅，人防这块到底要不要同步建地下室，怎么弄"
    assert top(knowledge, story) == "shelter-build-approval"


@pytest.mark.parametrize(
    "text, asked",
    [("要多久", ("time",)), ("收费吗", ("fee",)), ("要准备什么材料，多久能办好", ("time", "materials"))],
)
def test_subquestions(text, asked):
    assert subquestions(text) == asked


@pytest.mark.parametrize(
    "question, expected",
    [
        ("renfanggongcheng jungongyanshou", "completion-acceptance"),  # pinyin typed without spaces
        ("fangkongjingbao shimingshijian", "siren-test"),
    ],
)
def test_pinyin_typed_without_spaces_is_read_syllable_by_syllable(knowledge, question, expected):
    assert top(knowledge, question) == expected


def test_an_english_sentence_is_not_read_as_pinyin():
    from assistant.normalise import split_pinyin

    assert split_pinyin("renfangchewei") == ("ren", "fang", "che", "wei")
    assert split_pinyin("check") is None and split_pinyin("xian") is None
    assert top(load(ROOT / "knowledge"), "someone turned the bomb shelter into a warehouse, who do I report to") == "report-violation"


@pytest.mark.parametrize(
    "question, expected",
    [
        ("上周提交的人防验收申请 现在到哪一步了", "progress-lookup"),  # the purpose, not the licence named
        ("结建审批的材料需要补正，最晚什么时候交", "supplement-materials"),
        ("人防工程没验收就出租了会怎么处罚", "penalties"),
    ],
)
def test_what_the_person_wants_outweighs_the_item_they_name(knowledge, question, expected):
    assert top(knowledge, question) == expected
