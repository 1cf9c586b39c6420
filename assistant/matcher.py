"""Decide what a question is about: answer with one item, ask to choose, or decline honestly.

Pure: takes a `Knowledge` and a string, returns a `Decision`; no Flask, no database.

Each item is scored on three signals, all computed on *sound codes* (one code per pinyin
syllable, see `normalise`), so a wrong character with the right sound still matches:

- **coverage** – how much of the question's information the item's words explain: syllable
  bigrams and unigrams weighted by rarity across items (IDF), so 人防 (in every item) counts for
  little and 易地 or 警报 for a lot;
- **nearest example** – rapidfuzz `WRatio` against the item's example questions;
- **phrase hits** – the item's name, aliases and keywords found in the question, exactly or with
  one slip (rapidfuzz `partial_ratio`); longer phrases weigh more.

Before scoring, small talk and other authorities' business (`referrals.yaml`) are recognised, so
that 消防验收 is referred to the right department instead of being answered as 人防验收.

Once the item is chosen, the same scoring runs over the item's parts — its summary (its names),
each 办事指南 section it has (the sub-question cue words) and each of its entries — and an entry that
fits best answers the question (`choose_entry`): 没做使用备案罚多少钱 gets the fine, not the fee section.
"""

from __future__ import annotations

import gc
import itertools
import math
import re
import threading
from array import array
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
from rapidfuzz import fuzz, process

from .knowledge import Item, Knowledge, Referral, Smalltalk
from .normalise import Vocabulary, clean
from .settings import Thresholds

# Weights of the three signals and of the sources of an item's words. Calibrated on the development
# set as a whole (bench/accuracy.py prints the effect); never tuned to single questions.
W_COVERAGE, W_NEAREST, W_PHRASE = 0.6, 0.2, 0.2
SOURCE_WEIGHT = {"name": 1.0, "alias": 1.0, "keyword": 0.9, "question": 0.6, "entry_keyword": 0.4}
UNIGRAM_WEIGHT = 0.25
# A question this short (in characters) that fits two items about equally well is ambiguous even when
# both fit well: 人防工程 could be about shelters or about reporting one.
SHORT_QUESTION = 10
# A best item scoring this much (0–100) keeps a question that holds one of the office's anchor words
# ours, whatever referral keyword it also holds (see `_referral`).
REFERRAL_OVERRIDE = 70
# When unsure, the choices offered come from this many best-scoring items.
CHOICE_POOL = 8
# ... and at most this many are offered, as buttons under the reply.
CHOICES = 3
# The best items a decision carries as its candidates: the choices and runners-up a reply may offer.
CANDIDATES_KEPT = 4
# Points added to an item whose `intents` phrase is in the question (see knowledge/README.md).
INTENT_BONUS = 15
# Items kept for ranking a question (the choices, the runners-up and the desk need far fewer).
ITEMS_KEPT = 50
# Nearest examples are compared for this many documents: those leading on words and phrases.
NEAREST_DOCS = 10
# Up to this many long phrases, every one is compared with one slip; beyond, those sharing two bigrams.
LONG_PHRASES_ALL = 3000
# Catalogues up to this many items build every item's parts with the index; larger ones, on first use.
PARTS_AT_ONCE = 2000
# ... and of those, at most this many (the ones sharing most bigrams): a few hundred rapidfuzz calls.
FUZZY_PHRASES = 300
# An entry answers when it fits the question better than the item's summary and its 办事指南
# sections do, and scores at least this (0–100) among the item's parts.
ENTRY_THRESHOLD = 30
# Questions this long (in characters) are judged against thresholds this much lower (see `match`).
LONG_QUESTION, LONG_DISCOUNT = 30, 0.8
# A phrase (name, alias, keyword, intent, referral keyword) has at least this many syllables: one
# syllable alone (房, 费) is in too many questions to point anywhere.
PHRASE_MIN = 2
# Phrases of this many syllables or more are also found with one slip (a wrong or missing character):
# one wrong syllable in five still scores `PHRASE_SLIP` (4 of 5); in a shorter phrase it is another word.
LONG_PHRASE = 5
# A long phrase is compared with one slip when it shares this many bigrams with the question (in a
# catalogue of more than `LONG_PHRASES_ALL`).
SHARED_BIGRAMS = 2
# rapidfuzz `partial_ratio` (0–100) at which a long phrase counts as found with one slip:
# 拆徐人防工程 still finds 拆除人防工程.
PHRASE_SLIP = 80
# A phrase this many syllables long counts in full; a shorter one in proportion (费用 half as much
# as 易地建设费), as shorter phrases are found by chance more often.
PHRASE_FULL_LENGTH = 4
# rapidfuzz `WRatio` (0–100) below which an example question does not resemble the question at all.
NEAREST_CUTOFF = 30
# A referral keyword that is not in the text as written counts when its sound code is found and has
# this many syllables: two alone collide too often (社报卡 finds 社保卡).
REFERRAL_SOUND_MIN = 3
# Small talk is small talk when at most this many characters are left once its phrases and the
# particles are gone: 谢谢啦好的 is, 谢谢，结建要多久 is not.
SMALLTALK_LEFTOVER = 2
# A sub-question with at most this many characters of its own (beyond cue words), when no item clears
# the answer bar, is still a follow-up about the conversation's item: 加急要多久, 原件要带吗.
FOLLOWUP_CONTENT = 2

# Cue words of each sub-question, in the order answers are given when several are asked.
SUBQUESTION_CUES = {
    "fee": "多少钱 收费 费用 交钱 缴费 交费 付费 免费 花钱 价格 收不收 要钱 退费 费",
    "time": "多久 多长时间 多少时间 几天 时限 工作日 期限 什么时候 何时 几个月 多少天 时间 截止 deadline 几点",
    "materials": "材料 资料 文件 准备什么 准备哪些 提交什么 提交哪些 要带 带什么 清单 证明 图纸",
    "where": "在哪 哪里 哪儿 地址 窗口 地点 网上 线上 入口 去哪 找谁 哪个部门 电话 渠道 位置 几楼",
    "basis": "依据 法律 法规 条例 哪一条 根据",
    "conditions": "条件 要不要 是否 能不能 可以吗 可不可以 是不是 必须 什么情况 哪些情况 符合 需不需要",
    "process": "流程 怎么办 如何办 怎么申请 如何申请 手续 步骤 程序 怎么弄 咋办 怎么走 怎么操作 如何操作",
}
_CUES = {key: sorted(words.split(), key=len, reverse=True) for key, words in SUBQUESTION_CUES.items()}
_CUE_RE = re.compile("|".join(re.escape(w) for ws in _CUES.values() for w in ws))

# Words that ask but name nothing: a question made of these and cue words is a follow-up.
_GENERIC = frozenset("要 需要 需 什么 哪些 里 儿 办 办理 能 可以 多少 怎么 怎样 如何 带 交 申请 准备 得 去".split())

# Cue words that also name something the office offers (online applications, its phone, its
# windows): they count as content, so 网上能办吗 is about online applications, not a vague follow-up.
_CHANNELS = frozenset("网上 线上 电话 地址 窗口 入口".split())


def _keep_channel(cue: re.Match) -> str:
    return f" {cue.group(0)} " if cue.group(0) in _CHANNELS else " "


# "Not this one" / "another one": show the runner-up choices of the previous answer.
_REJECT = re.compile(r"^(不是这个|不是|不对|换一个|换个|别的|其他的?|都不是|答非所问|不是我要的|不是我问的)")
_NEGATED_ANCHOR = re.compile(r"(?:不是|并不是|并非|不属于|不算)(?:人防|民防|防空)[\u4e00-\u9fff]{0,4}?的?")
_NONE_OF_THESE = re.compile(r"^(都不是|都不对|全都不是|没有我要的)")
_PARTICLES = re.compile(r"[呀啊吗呢吧哦嗯了的么嘛啦哈\s]")


@dataclass(frozen=True)
class Candidate:
    item_id: str
    score: float


@dataclass(frozen=True)
class Decision:
    """What to do with a question. `item_id` is set only when `kind == "answer"`."""

    kind: str  # answer | clarify | decline | smalltalk
    item_id: str | None = None
    score: float = 0.0
    subquestions: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    referral: Referral | None = None
    smalltalk: Smalltalk | None = None
    followup: bool = False  # answered from the conversation's item, the question named none
    rejected: bool = False  # the user said "不是这个": candidates are the runners-up
    vague: bool = False  # a sub-question (要多久？) with no item and no conversation to take one from
    entry: str | None = None  # the item's entry that answers the question, when one does


@dataclass(slots=True)
class _Phrase:
    doc: str
    code: str
    weight: float


@dataclass
class Documents:
    """The scoring data of a set of documents (the items; or one item's entries and sections).

    A document is a list of `(source, text)`; its words are scored by `score_documents`. Postings are
    numpy arrays, so that a question costs a handful of vector operations however many documents
    there are; phrases are found through the n-grams they share with the question, and examples are
    compared only for the documents already in the running (a candidate stage) before rapidfuzz
    compares any of them.
    """

    ids: list[str]  # document index → id
    position: dict[str, int]  # id → document index
    idf: dict[str, float]
    max_idf: float
    feature_docs: dict[str, np.ndarray]  # feature → indices of the documents that have it
    feature_weights: dict[str, np.ndarray]  # feature → its weight in each of those documents
    example_codes: list[str]
    example_docs: np.ndarray  # example → document index
    doc_examples: list[np.ndarray]  # document index → indices of its examples
    phrases: list[_Phrase]
    phrase_docs: np.ndarray  # phrase → document index
    phrase_weights: np.ndarray  # phrase → its source's weight
    phrase_spans: np.ndarray  # phrase → how much its length lets it count (up to `PHRASE_FULL_LENGTH`)
    phrase_codes: dict[str, np.ndarray]  # a phrase's code → indices of the phrases with that code
    phrase_lengths: list[int]  # the lengths phrase codes have
    long_phrases: np.ndarray  # indices of the phrases of five syllables or more
    long_grams: dict[str, np.ndarray]  # bigram → indices of the long phrases holding it

    def weight(self, feature: str, doc_id: str) -> float:
        """How strongly document `doc_id` has `feature` (0 when it does not)."""
        docs = self.feature_docs.get(feature)
        if docs is None:
            return 0.0
        hit = np.flatnonzero(docs == self.position[doc_id])
        return float(self.feature_weights[feature][hit[0]]) if hit.size else 0.0


@dataclass
class Index:
    """Everything precomputed from one knowledge version; built once, shared by every request."""

    vocab: Vocabulary
    items: Documents
    parts: _Parts  # item id → its entries and 办事指南 sections, as documents (`parts.get`)
    named: dict[str, frozenset[str]]  # code of a name, short name or alias → the items it names
    intents: list[tuple[str, str]]  # (item id, code of a phrase saying what the person wants of it)
    smalltalk: list[tuple[str, Smalltalk]]  # (cleaned pattern, entry), longest pattern first
    referral_codes: list[tuple[str, str, Referral]]  # (canonical keyword, its sound code, referral)
    anchors: tuple[str, ...]
    anchor_codes: frozenset[str]


def features(code: str) -> dict[str, float]:
    """Syllable bigrams (weight 1) and unigrams (weight `UNIGRAM_WEIGHT`) of a sound-code string."""
    out: dict[str, float] = {}
    for i, ch in enumerate(code):
        out.setdefault(ch, UNIGRAM_WEIGHT)
        if i + 1 < len(code):
            out[code[i : i + 2]] = 1.0
    return out


def _item_texts(item: Item) -> list[tuple[str, str]]:
    texts = [("name", item.name), ("name", item.short_name)]
    texts += [("alias", a) for a in item.aliases]
    texts += [("keyword", k) for k in (*item.keywords, *item.intents)]
    texts += [("question", q) for q in item.questions]
    for entry in item.entries:
        # An entry's keywords tell its item's entries apart (充电桩, 退费); among items they weigh
        # less than the item's own keywords, so 电动车 does not pull every story to 人防车位.
        texts += [("question", q) for q in (entry.question, *entry.variants)]
        texts += [("entry_keyword", k) for k in entry.keywords]
    return texts


# The documents an item's question is matched against once the item is chosen: the summary (the
# item's names), each 办事指南 section the item has (its cue words) and each entry.
SUMMARY = "summary"


def _part_texts(item: Item) -> dict[str, list[tuple[str, str]]]:
    docs = {SUMMARY: [("name", item.name), ("name", item.short_name), *(("alias", a) for a in item.aliases)]}
    for key, words in _CUES.items():
        if item.has_section(key):
            docs[key] = [("keyword", w) for w in words]
    for entry in item.entries:
        docs[entry.id] = [("question", q) for q in (entry.question, *entry.variants)]
        docs[entry.id] += [("keyword", k) for k in entry.keywords]
    return docs


def _documents(code_of, docs: dict[str, list[tuple[str, str]]]) -> Documents:
    """Sound codes, feature weights (IDF across `docs`) and phrase lists of a set of documents."""
    ids = list(docs)
    example_codes, example_docs, phrases = [], [], []
    doc_examples: list[list[int]] = []
    # Every posting as (feature number, document, weight), in flat C arrays: a 10,000-item catalogue
    # has 870,000 of them, which as Python lists of objects would take more memory than the index.
    numbers: dict[str, int] = {}  # feature → its number, in order of first appearance
    at_feature, at_doc, at_weight = array("i"), array("i"), array("d")
    for position, (doc_id, texts) in enumerate(docs.items()):
        weights: dict[str, float] = {}
        doc_examples.append([])
        for source, text in texts:
            code = code_of(text)
            weight = SOURCE_WEIGHT[source]
            feats = (*code, *(code[i : i + 2] for i in range(len(code) - 1)))  # features(code)'s keys
            # A feature weighs what its heaviest source does.
            weights.update({feat: weight for feat in feats if weights.get(feat, 0.0) < weight})
            if source == "question":
                doc_examples[-1].append(len(example_codes))
                example_codes.append(code)
                example_docs.append(position)
            elif len(code) >= PHRASE_MIN:
                phrases.append(_Phrase(doc_id, code, SOURCE_WEIGHT[source]))
        at_feature.extend([numbers.setdefault(feat, len(numbers)) for feat in weights])
        at_doc.extend([position] * len(weights))
        at_weight.extend(weights.values())

    strongest: dict[tuple[str, str], _Phrase] = {}
    for p in phrases:  # the same words may be a name and an alias: keep one, the heaviest
        if (p.doc, p.code) not in strongest or strongest[(p.doc, p.code)].weight < p.weight:
            strongest[(p.doc, p.code)] = p
    phrases = list(strongest.values())

    # Postings grouped by feature (a stable sort keeps each feature's documents in order); every
    # feature's arrays are slices of one array.
    feature_of = np.frombuffer(at_feature, dtype=np.int32)
    order = np.argsort(feature_of, kind="stable")
    docs_sorted = np.frombuffer(at_doc, dtype=np.int32)[order]
    weights_sorted = np.frombuffer(at_weight, dtype=np.float64)[order]
    counts = np.bincount(feature_of, minlength=len(numbers)).tolist()
    ends = list(itertools.accumulate(counts))
    spans = [(feat, end - count, end) for feat, count, end in zip(numbers, counts, ends, strict=True)]
    n = len(ids)
    position = {doc_id: i for i, doc_id in enumerate(ids)}
    return Documents(
        ids=ids,
        position=position,
        idf={feat: math.log(1 + n / count) for feat, count in zip(numbers, counts, strict=True)},
        max_idf=math.log(1 + n),
        feature_docs={feat: docs_sorted[start:end] for feat, start, end in spans},
        feature_weights={feat: weights_sorted[start:end] for feat, start, end in spans},
        example_codes=example_codes,
        example_docs=np.array(example_docs, dtype=np.int32),
        doc_examples=[np.array(found, dtype=np.int32) for found in doc_examples],
        phrases=phrases,
        phrase_docs=np.array([position[p.doc] for p in phrases], dtype=np.int32),
        phrase_weights=np.array([p.weight for p in phrases], dtype=np.float64),
        phrase_spans=np.array([min(1.0, len(p.code) / PHRASE_FULL_LENGTH) for p in phrases], dtype=np.float64),
        phrase_codes=_by_code(phrases),
        phrase_lengths=sorted({len(p.code) for p in phrases}),
        long_phrases=np.array([i for i, p in enumerate(phrases) if len(p.code) >= LONG_PHRASE], dtype=np.int32),
        long_grams=_grams_index(
            (p.code[i : i + 2] for i in range(len(p.code) - 1)) if len(p.code) >= LONG_PHRASE else () for p in phrases
        ),
    )


def _by_code(phrases: list[_Phrase]) -> dict[str, np.ndarray]:
    found: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(phrases):
        found[p.code].append(i)
    return {code: np.array(at, dtype=np.int32) for code, at in found.items()}


def _grams_index(grams_per_entry) -> dict[str, np.ndarray]:
    """n-gram → the (ascending, distinct) indices of the entries that hold it."""
    found: dict[str, list[int]] = defaultdict(list)
    for i, grams in enumerate(grams_per_entry):
        for gram in dict.fromkeys(grams):
            found[gram].append(i)
    return {gram: np.array(entries, dtype=np.int32) for gram, entries in found.items()}


def build_index(knowledge: Knowledge) -> Index:
    """Precompute sound codes, feature weights and phrase lists for one knowledge version.

    Built once per content (`Knowledge.fingerprint`), not per load: a reload of unchanged files, or
    a test's copy of the shipped knowledge, reuses the index already built. The cache keeps the
    `INDEXES_KEPT` most recently used: the version being served is used by every question, so the
    editor's "试一试" drafts never push it out.
    """
    with _INDEX_LOCK:
        index = _INDEXES.pop(knowledge.fingerprint, None)
        if index is not None:
            _INDEXES[knowledge.fingerprint] = index  # most recently used last
            return index
    with _collector_paused():
        index = _build_index(knowledge)  # outside the lock: a draft's build never holds up live questions
    with _INDEX_LOCK:
        _INDEXES[knowledge.fingerprint] = index
        while len(_INDEXES) > INDEXES_KEPT:  # least recently used first: the served version, asked every request, stays
            _INDEXES.pop(next(iter(_INDEXES)))
    return index


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while an index is built, back on after.

    A build allocates millions of small objects and frees almost none, so each collection would walk
    them all for nothing: about a tenth of a 10,000-item build. Process-wide, so requests served
    meanwhile only leave their cycles (rare) for the next collection; the collector is switched back
    on only if it was on, so two overlapping builds leave it as they found it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Indexes kept per process: the served version and a few of the editor's drafts; more would hold
# memory for versions nobody asks about (bench/bench_scale.py measures an index's RSS).
INDEXES_KEPT = 4
_INDEXES: dict[str, Index] = {}
_INDEX_LOCK = threading.Lock()


class _Parts:
    """Item id → the item's parts as documents (`_part_texts`), built the first time a question is
    answered with that item, then kept.

    A question needs the parts of the one item it is answered with, so a catalogue of 10,000 items
    does not build the other 9,999 at start-up (a sixth of its index build, and memory); a catalogue of
    up to `PARTS_AT_ONCE` items builds them all at once, so no first question waits (~1 ms an item). The
    texts of the parts are the item's own, already coded for the item documents, and the cue words,
    coded before the vocabulary froze: so a part built late codes exactly as one built at once.
    """

    def __init__(self, items: dict[str, Item], code_of):
        self._items = items
        self._code_of = code_of
        self._built: dict[str, Documents] = {}
        self._lock = threading.Lock()
        if len(items) <= PARTS_AT_ONCE:  # a small catalogue: no first question waits for its item's parts
            for item_id in items:
                self.get(item_id)

    def get(self, item_id: str) -> Documents | None:
        docs = self._built.get(item_id)
        if docs is None and item_id in self._items:
            docs = _documents(self._code_of, _part_texts(self._items[item_id]))  # outside the lock: ~1 ms
            with self._lock:
                docs = self._built.setdefault(item_id, docs)
        return docs


def _build_index(knowledge: Knowledge) -> Index:
    domain_words = [
        w
        for item in knowledge.items.values()
        for w in (item.short_name, *item.aliases, *item.keywords, *item.intents, *(k for e in item.entries for k in e.keywords))
    ]
    domain_words += [k for r in knowledge.referrals for k in r.keywords]
    vocab = Vocabulary(knowledge.synonyms, knowledge.fillers, domain_words)

    @cache  # the same words recur across items, entries and sections
    def code_of(text: str) -> str:
        return vocab.code(text)

    items = _documents(code_of, {item.id: _item_texts(item) for item in knowledge.items.values()})
    for words in _CUES.values():  # the parts' only texts that are not an item's own (see _Parts)
        for word in words:
            code_of(word)
    referral_codes = [
        (flat, code_of(k), r) for r in knowledge.referrals for k in r.keywords if (flat := vocab.canonicalise(k).replace(" ", ""))
    ]
    anchors = tuple(a for a in (vocab.canonicalise(a).replace(" ", "") for a in knowledge.anchors) if a)
    intents = sorted(
        {(item.id, c) for item in knowledge.items.values() for text in item.intents if len(c := code_of(text)) >= PHRASE_MIN}
    )
    anchor_codes = frozenset(code_of(a) for a in anchors)
    vocab.freeze()
    parts = _Parts(knowledge.items, vocab.code)
    named: dict[str, set[str]] = defaultdict(set)
    for p in items.phrases:
        if p.weight == SOURCE_WEIGHT["name"]:
            named[p.code].add(p.doc)
    return Index(
        vocab=vocab,
        items=items,
        parts=parts,
        named={code: frozenset(ids) for code, ids in named.items()},
        intents=intents,
        smalltalk=sorted(
            ((c, entry) for entry in knowledge.smalltalk for pat in entry.patterns if (c := clean(pat).replace(" ", ""))),
            key=lambda pe: len(pe[0]),
            reverse=True,
        ),
        referral_codes=[(k, c, r) for k, c, r in referral_codes if len(c) >= PHRASE_MIN],
        anchors=anchors,
        anchor_codes=anchor_codes,
    )


def subquestions(text: str) -> tuple[str, ...]:
    """Which parts were asked (fee, time, materials, ...), in answering order."""
    found = {key for key, words in _CUES.items() for w in words if w in text}
    return tuple(key for key in SUBQUESTION_CUES if key in found)


def _smalltalk(index: Index, cleaned: str) -> Smalltalk | None:
    """Small talk when, once its phrases and particles are gone, almost nothing is left."""
    best, rest = None, _PARTICLES.sub("", cleaned).replace(" ", "")
    for pattern, entry in index.smalltalk:
        # A one-character pattern (好, 行) is small talk only on its own: 好差评 is a question.
        if pattern in rest if len(pattern) > 1 else pattern == rest:
            rest = rest.replace(pattern, "")
            best = best or entry
    return best if best is not None and len(rest) <= SMALLTALK_LEFTOVER else None


def score_documents(docs: Documents, code: str, limit: int | None = None) -> dict[str, float]:
    """Score (0–100) of the documents with any evidence for one question's sound code: all of
    them, or the `limit` best."""
    scores = _score_array(docs, code)
    found = np.flatnonzero(scores)
    if limit is not None and found.size > limit:
        found = found[np.argpartition(-scores[found], limit)[:limit]]
    return {docs.ids[i]: float(scores[i]) for i in found}


def _score_array(docs: Documents, code: str) -> np.ndarray:
    """Every document's score (0–100) for a question's sound code, as an array by document index.

    Coverage is summed over the question's features in one vector operation. Phrases are looked up
    by their exact code among the question's substrings, long ones (with one slip) among the phrases
    sharing two bigrams with the question; each document counts its best phrase found, again in one
    vector operation. Nearest examples are compared with rapidfuzz only for the documents already
    leading (`NEAREST_DOCS`). So a question costs about the same at 10,000 items as at 26.
    """
    n = len(docs.ids)
    if not code:
        return np.zeros(n)
    total = 0.0
    postings, values = [], []
    for feat, weight in features(code).items():
        value = weight * docs.idf.get(feat, docs.max_idf)
        total += value
        if feat in docs.feature_docs:
            postings.append(docs.feature_docs[feat])
            values.append(value * docs.feature_weights[feat])
    # All postings in one pass; each document's sum is still taken in the features' order.
    got = np.bincount(np.concatenate(postings), np.concatenate(values), n) if postings else np.zeros(n)

    # Phrases are found exactly; those of five syllables or more also with one slip
    # (partial_ratio ≥ 80: 拆徐人防工程 still finds 拆除人防工程).
    found = [
        at
        for start in range(len(code) - 1)
        for length in docs.phrase_lengths
        if start + length <= len(code) and (at := docs.phrase_codes.get(code[start : start + length])) is not None
    ]
    exact = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)
    if len(docs.long_phrases) <= LONG_PHRASES_ALL:
        fuzzy = np.setdiff1d(docs.long_phrases, exact)
    else:  # a large catalogue: the long phrases sharing the most bigrams (two at least) with the question
        grams = [docs.long_grams[g] for g in {code[i : i + 2] for i in range(len(code) - 1)} if g in docs.long_grams]
        fuzzy = np.zeros(0, dtype=np.int32)
        if grams:
            shared, counts = np.unique(np.concatenate(grams), return_counts=True)
            shared, counts = shared[counts >= SHARED_BIGRAMS], counts[counts >= SHARED_BIGRAMS]
            if shared.size > FUZZY_PHRASES:
                shared = shared[np.argpartition(-counts, FUZZY_PHRASES)[:FUZZY_PHRASES]]
            fuzzy = np.setdiff1d(shared, exact)
    slips = [
        (score, fuzzy[k])  # 100 means the question is inside the phrase, not the phrase in the question
        for _c, score, k in process.extract(
            code, [docs.phrases[i].code for i in fuzzy], scorer=fuzz.partial_ratio, limit=None, score_cutoff=PHRASE_SLIP
        )
        if score < 100
    ]
    hit = np.concatenate([exact, np.array([i for _s, i in slips], dtype=np.int32)])
    scores = np.concatenate([np.full(exact.size, 100.0), np.array([s for s, _i in slips], dtype=np.float64)])
    phrase = np.zeros(n)  # each document: its best phrase found, by source weight and length
    np.maximum.at(phrase, docs.phrase_docs[hit], scores / 100 * docs.phrase_weights[hit] * docs.phrase_spans[hit])

    # Nearest example: compared only for the `NEAREST_DOCS` documents leading on words and phrases.
    # On every labelled set the leaders give the same answers as all documents, at half the cost;
    # at 10,000 items it is what keeps a question within milliseconds.
    nearest = np.zeros(n)
    running = W_COVERAGE * got / total + W_PHRASE * phrase
    contenders = np.arange(n) if n <= NEAREST_DOCS else np.argpartition(-running, NEAREST_DOCS)[:NEAREST_DOCS]
    examples = np.concatenate([docs.doc_examples[d] for d in contenders]) if len(contenders) else np.array([], int)
    choices = [docs.example_codes[i] for i in examples]
    for _choice, score, k in process.extract(code, choices, scorer=fuzz.WRatio, limit=None, score_cutoff=NEAREST_CUTOFF):
        doc = docs.example_docs[examples[k]]
        nearest[doc] = max(nearest[doc], score / 100)
    return 100 * (W_COVERAGE * got / total + W_NEAREST * nearest + W_PHRASE * phrase)


def choose_entry(index: Index, item_id: str, code: str) -> str | None:
    """The entry of `item_id` the question asks about; None when it asks about the item in general
    or about a plain 办事指南 section (要多久, 要什么材料), which the reply builds from the fields."""
    docs = index.parts.get(item_id)
    if docs is None or not code:
        return None
    scores = score_documents(docs, code)
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    if best == SUMMARY or best in _CUES or scores[best] < ENTRY_THRESHOLD:
        return None
    return best


def _referral(index: Index, canonical: str, code: str, strong_item: bool = False) -> Referral | None:
    """Another authority's business (referrals.yaml), unless the question is really about ours.

    A referral keyword counts when it is in the text as written, or sounds the same and is at least
    three syllables long (社报卡 for 社保卡; two syllables alone collide too often). If the question
    also holds one of the office's anchor words (人防, 防空, 警报...), the keyword must be longer than
    every item phrase found other than the anchors themselves: 易地建设费 beats 施工许可证 in a
    question about paying before the permit, while 防空洞 alone does not save a question about films.
    """
    flat = canonical.replace(" ", "")
    # The same text without the asking words, so 营业执照怎么注销 still holds 营业执照注销.
    compact = "".join(w for w in index.vocab.words(canonical) if w not in _GENERIC)
    best, best_len = None, 0
    for keyword, kcode, referral in index.referral_codes:
        if (keyword in flat or keyword in compact or (len(kcode) >= REFERRAL_SOUND_MIN and kcode in code)) and len(kcode) > best_len:
            best, best_len = referral, len(kcode)
    if best is None:
        return None
    if best.fiction:
        return best
    # 不是人防的那种 says the opposite of what the anchor word would: it does not hold a referral back.
    meant = _NEGATED_ANCHOR.sub(" ", flat)
    if any(anchor in meant for anchor in index.anchors) and (
        strong_item or best_len <= _longest_phrase(index, code, skip=index.anchor_codes)
    ):
        return None
    return best


def _choices(index: Index, words: list[str], ranked: list[tuple[str, float]], floor: float) -> tuple[Candidate, ...]:
    """Three items to offer when unsure: of the plausible ones (scoring at least `floor`, at most
    `CHOICE_POOL`), first those whose own words (name, aliases, keywords) hold more of the question's
    words, weighted by rarity. 小区地下室门被锁了 has 锁 among the keywords of reporting a violation,
    which a ranking on the whole question would place sixth."""
    pool = [(i, s) for i, s in ranked[:CHOICE_POOL] if s >= floor] or ranked[:CHOICES]
    items = index.items

    def own_words(item_id: str) -> float:
        total = 0.0
        for word in words:
            feats = [word[i : i + 2] for i in range(len(word) - 1)] or [word]
            if all(items.weight(f, item_id) >= SOURCE_WEIGHT["keyword"] for f in feats):
                total += sum(items.idf.get(f, 0.0) for f in feats)
        return total

    pool.sort(key=lambda pair: (own_words(pair[0]), pair[1]), reverse=True)
    return tuple(Candidate(i, round(s, 1)) for i, s in pool[:CHOICES])


def _item_scores(index: Index, word_codes: list[str]) -> dict[str, float]:
    """The best items' scores (`ITEMS_KEPT` of them) for a question's words, with the bonus of the
    intents it states."""
    code = "".join(word_codes)
    items = index.items
    scores = _score_array(items, code)
    bounds = _word_bounds(word_codes)
    for item_id in {
        item_id
        for item_id, icode in index.intents
        if any(at in bounds or at + len(icode) in bounds for at in _occurrences(code, icode))
    }:
        # 到哪一步了 / 会怎么处罚 say what the person wants, whatever item they name: the purpose
        # outweighs the topic (上周交的验收申请到哪一步了 is a progress question).
        at = items.position[item_id]
        scores[at] = min(100.0, scores[at] + INTENT_BONUS)
    best = np.flatnonzero(scores)
    if best.size > ITEMS_KEPT:
        best = best[np.argpartition(-scores[best], ITEMS_KEPT)[:ITEMS_KEPT]]
    return {items.ids[i]: float(scores[i]) for i in best}


def rank_items(knowledge: Knowledge, text: str) -> tuple[list[tuple[str, float]], str]:
    """Every item scored for `text` as `match` scores it, best first, and the text's sound code
    (for `choose_entry`). For callers that list several items, such as the staff desk."""
    index = build_index(knowledge)
    word_codes = index.vocab.word_codes(index.vocab.canonicalise(text))
    ranked = sorted(_item_scores(index, word_codes).items(), key=lambda kv: kv[1], reverse=True)
    return ranked, "".join(word_codes)


def _word_bounds(word_codes: list[str]) -> set[int]:
    """Where words begin and end in the joined code. An intent must begin or end at one: 罚多少 is
    not in 人防法一共多少条 (it would begin after 人防 and end inside 一共多少), 被罚 is in 会被罚."""
    bounds, at = {0}, 0
    for word in word_codes:
        at += len(word)
        bounds.add(at)
    return bounds


def _occurrences(text: str, part: str) -> list[int]:
    found, at = [], text.find(part)
    while at != -1:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def _longest_phrase(index: Index, code: str, skip: frozenset = frozenset()) -> int:
    """The length of the longest item phrase inside `code`, but those in `skip`."""
    lengths = index.items.phrase_lengths
    return max(
        (
            length
            for length in lengths
            for start in range(len(code) - length + 1)
            if (part := code[start : start + length]) in index.items.phrase_codes and part not in skip
        ),
        default=0,
    )


def match(
    knowledge: Knowledge,
    text: str,
    *,
    answer_threshold: float = Thresholds.answer,
    decline_threshold: float = Thresholds.decline,
    clarify_margin: float = Thresholds.clarify_margin,
    context_item: str | None = None,
    context_candidates: tuple[str, ...] = (),
) -> Decision:
    """Decide how to answer `text`, optionally in the context of the conversation's last item.

    The steps, in this order; the first that applies decides:

    1. **Reject.** In a conversation (`context_item` or `context_candidates`), 不是这个 (不对, 换一个…)
       is a `clarify` with `rejected=True` offering the previous answer's runners-up; 都不是, or no
       runner-up left, offers none (the reply then says how to reach a person).
    2. **Small talk.** A greeting, thanks or 转人工 (`smalltalk.yaml`) with at most
       `SMALLTALK_LEFTOVER` characters besides is `smalltalk`.
    3. **Scores and intents.** Every item is scored 0–100 on coverage, nearest example and phrase hits,
       plus `INTENT_BONUS` for each of its `intents` found at a word boundary (`_item_scores`); the
       best `CANDIDATES_KEPT` are the decision's `candidates`. A question of `LONG_QUESTION`
       characters or more meets thresholds lowered by `LONG_DISCOUNT`.
    4. **Referral.** Another authority's business (`referrals.yaml`) is a `decline` carrying the
       referral, unless an anchor word (人防, 防空…) with a longer item phrase, or a best score of
       `REFERRAL_OVERRIDE`, makes it ours (`_referral`); fiction is referred whatever it names.
    5. **Follow-up.** A sub-question (要多久, 收费吗) that names nothing of its own is, with the
       conversation's item, an `answer` about that item (`followup=True`), as is one with at most
       `FOLLOWUP_CONTENT` characters of its own when no item clears `answer_threshold`; with no
       conversation it is a `clarify` with `vague=True` (which item?).
    6. **Decline.** A best score below `decline_threshold` is a `decline` (with the candidates).
    7. **Clarify.** When the best two are within `clarify_margin` and the best is below
       `answer_threshold`, or the question is at most `SHORT_QUESTION` characters and not exactly one
       item's name: a `clarify` offering up to `CHOICES` items — those tied with the best when it
       clears the bar, else the plausible ones whose own words hold most of the question (`_choices`).
    8. **Answer.** Otherwise an `answer` with the best item and the entry of it that fits
       (`choose_entry`), or none when the question is about the item or a 办事指南 section.

    Pure: no I/O; the index is built once per knowledge content (`build_index`).
    """
    index = build_index(knowledge)
    cleaned = clean(text)
    canonical = index.vocab.canonicalise(cleaned, is_clean=True)
    asked = subquestions(canonical)
    if len(cleaned.replace(" ", "")) >= LONG_QUESTION:
        # A long story covers its item's words as well as a short question does, but its other
        # details dilute the score: the same evidence reads lower, so the bars are lower too.
        answer_threshold *= LONG_DISCOUNT
        decline_threshold *= LONG_DISCOUNT

    flat = cleaned.replace(" ", "")
    if (context_candidates or context_item) and _REJECT.match(flat):
        # 不是这个: offer the runners-up; 都不是 (or nothing left to offer): say how to reach a person.
        others = () if _NONE_OF_THESE.match(flat) else context_candidates
        others = tuple(Candidate(i, 0.0) for i in others if i in knowledge.items)
        return Decision("clarify", candidates=others, rejected=True)

    talk = _smalltalk(index, cleaned)
    if talk is not None:
        return Decision("smalltalk", smalltalk=talk)

    word_codes = index.vocab.word_codes(canonical)
    code = "".join(word_codes)
    scores = _item_scores(index, word_codes)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    candidates = tuple(Candidate(i, round(s, 1)) for i, s in ranked[:CANDIDATES_KEPT])
    top = candidates[0] if candidates else Candidate("", 0.0)
    second = candidates[1] if len(candidates) > 1 else Candidate("", 0.0)

    referral = _referral(index, canonical, code, top.score >= REFERRAL_OVERRIDE)
    if referral is not None:
        return Decision("decline", referral=referral, subquestions=asked)

    # A question that names no item (那要多久？收费吗？) is a follow-up about the conversation's last
    # item; with no conversation, it is too vague to answer: ask which item is meant.
    if asked:
        content = [w for w in index.vocab.words(_CUE_RE.sub(_keep_channel, canonical)) if w not in _GENERIC]
        if context_item in knowledge.items:
            if not content or (top.score < answer_threshold and len("".join(content)) <= FOLLOWUP_CONTENT):
                entry = choose_entry(index, context_item, code)
                return Decision("answer", context_item, top.score, asked, candidates, followup=True, entry=entry)
        elif not content:
            return Decision("clarify", score=top.score, subquestions=asked, vague=True)

    if top.score < decline_threshold:
        return Decision("decline", score=top.score, subquestions=asked, candidates=candidates)
    close = top.score - second.score < clarify_margin
    short = len(cleaned.replace(" ", "")) <= SHORT_QUESTION and index.named.get(code) != {top.item_id}
    if close and (top.score < answer_threshold or short):
        # Unsure, or a short question that fits several items equally (人防工程, 审批): let them choose.
        if top.score >= answer_threshold:
            tied = tuple(c for c in candidates[:CHOICES] if top.score - c.score < clarify_margin)
        else:
            tied = _choices(index, word_codes, ranked, decline_threshold)
        return Decision("clarify", score=top.score, subquestions=asked, candidates=tied)
    return Decision("answer", top.item_id, top.score, asked, candidates, entry=choose_entry(index, top.item_id, code))
