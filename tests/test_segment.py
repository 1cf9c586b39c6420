"""The one-pass segmenter cuts every text exactly as jieba does (`lcut(text, HMM=False)`).

It replaces jieba's own loop only for speed, so any difference would silently change answers: it is
compared with jieba on everything the matcher segments — the knowledge base's texts and the labelled
questions — and on the characters jieba treats specially.
"""

import json
from pathlib import Path

import jieba
import pytest

from assistant.knowledge import load
from assistant.matcher import _item_texts, build_index
from assistant.normalise import clean
from assistant.segment import Segmenter

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def vocab():
    """The shipped knowledge's vocabulary: jieba's dictionary with the domain words added."""
    return build_index(load(ROOT / "knowledge")).vocab


def corpus() -> list[str]:
    knowledge = load(ROOT / "knowledge")
    texts = [text for item in knowledge.items.values() for _kind, text in _item_texts(item)]
    texts += [item.summary for item in knowledge.items.values()]
    for name in ("dev.jsonl", "answers-dev.jsonl"):
        texts += [json.loads(line)["q"] for line in (ROOT / "tests" / "eval" / name).read_text().splitlines() if line.strip()]
    return texts


EDGES = [
    "",
    "人",
    "GB50038-2005规范",
    "iso9001认证",
    "3号线地铁站b口",
    "abc人防def",
    "a b\tc\r\nd",
    "人防车位，能卖吗？",
    "100%的车位",
    "c#和c++",
    "结建审批结建审批结建审批",
    "renfangchewei",
    "㐀𠀀人防",  # beyond jieba's Han range
]


def test_every_text_is_cut_as_jieba_cuts_it(vocab):
    tokenizer, segmenter = vocab._tokenizer, Segmenter(vocab._tokenizer)
    texts = corpus()
    assert len(texts) > 2000
    for raw in [*texts, *EDGES]:
        for text in (raw, clean(raw), *clean(raw).split()):
            assert segmenter.cut(text) == tokenizer.lcut(text, HMM=False), text


def test_a_word_added_to_the_dictionary_counts_at_once():
    tokenizer = jieba.Tokenizer()  # its own: words added here must not reach the other tests
    tokenizer.initialize()
    segmenter = Segmenter(tokenizer)
    text = "申请蟠龙镇甲乙丙停车场"
    assert "甲乙丙停车场" not in segmenter.cut(text)
    tokenizer.add_word("甲乙丙停车场", freq=10_000)
    assert segmenter.cut(text) == tokenizer.lcut(text, HMM=False)
    assert "甲乙丙停车场" in segmenter.cut(text)
