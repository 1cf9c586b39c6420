"""From what people type to what the matcher compares: clean text, canonical words, sound codes.

People type full-width letters, traditional characters, English words, abbreviations, the wrong
character with the right sound, and polite filler. The steps, in order:

1. `clean`: Unicode NFKC (full → half width), lower case, traditional → simplified (OpenCC),
   punctuation → space.
2. `Vocabulary.canonicalise`: every variant in `knowledge/synonyms.yaml` becomes its canonical word
   (民防→人防, 异地→易地, basement→地下室), filler (请问, 我想问一下) is dropped.
3. `Vocabulary.words`: jieba segmentation with the knowledge base's own words as its dictionary,
   function words dropped, so a long story is scored on its meaningful words.
4. `Vocabulary.sounds`: each character becomes a code for its toneless pinyin syllable, so 人访 and 人防
   are the same string to the matcher, and rapidfuzz compares sounds, not glyphs.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jieba
import opencc

# Only single characters are ever read (`_syllable`), so pypinyin's phrase dictionary and its copies
# of both dictionaries would be dead weight: 44 MB in every process. pypinyin's own switches, read
# when it is first imported; every character's reading is the same (tests/test_readings.py).
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
from pypinyin import Style, lazy_pinyin  # noqa: E402

from .segment import Segmenter  # noqa: E402

jieba.setLogLevel(logging.WARNING)

_T2S = opencc.OpenCC("t2s")
_T2S_LOCK = threading.Lock()  # the pure-Python converter keeps state between calls
_PUNCT = re.compile(r"[^\w\u4e00-\u9fff]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
UNKNOWN = "\U000FFFFD"  # the code of any word the knowledge base never uses
_TOKEN = re.compile(r"[\u4e00-\u9fff]|[a-z]+|\d+")
_LATIN = re.compile(r"[a-z]")
_PLAIN_HAN = re.compile(r"[\u4e00-\u9fff ]*")
_ALL_HAN = re.compile(r"[\u4e00-\u9fff]*")
# Code characters are taken from Supplementary Private Use Area-A, which no text people type uses, so
# a code never equals a real character (UNKNOWN is its last code point).
CODE_BASE = 0xF0000
# A Latin token shorter than this is never split as pinyin typed without spaces: three letters (app,
# pdf) are an abbreviation or English far more often than two syllables.
SHORTEST_JOINED_PINYIN = 4
# The longest toneless pinyin syllable has six letters (zhuang, chuang, shuang).
LONGEST_SYLLABLE = 6
# jieba's frequency for the knowledge base's own words: above any word of its dictionary (the highest,
# 了, has under 900,000), so 人防车位 stays one word instead of 人防 + 车位.
DOMAIN_WORD_FREQ = 2_000_000
# Caches of the per-character and per-token look-ups: more than the distinct characters (a few
# thousand) and Latin tokens a busy day's questions hold, so they stay hot.
SYLLABLE_CACHE, PINYIN_SPLIT_CACHE = 8192, 4096

# Words that carry no meaning for matching: particles, pronouns, politeness. Question words
# (多久, 多少钱, 哪里) are not here: they tell which sub-question was asked.
FUNCTION_WORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 哦 嗯 哈 么 嘛 啦 喔 哇 是 在 有 和 与 及 或 就 都 也 还 又 再 很 太 这 那 这个 那个 这种
    那种 这样 那样 这些 那些 一个 一下 一些 一点 我 我们 你 你们 您 他 他们 她 它 它们 咱们 自己 大家 想 想要 问 问问
    请 请问 一般 现在 目前 已经 然后 因为 所以 但是 可是 不过 如果 的话 就是 还是 比如 关于 对于 有关 一 个 下 给 把 被
    让 从 到 对 向 跟 为 以 之 其 该 各 某 么样 呢么 吗么 谢谢 麻烦 您好 你好 知道 了解 告诉 帮忙 帮我 一直 之前 以后
    之后 时候 怎样 咋 啥 嘛 呗""".split()
)
_FUNCTION_CHARS = frozenset("".join(FUNCTION_WORDS))  # text with none of these has no function word


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str] | None:
    """Characters whose presence means OpenCC's t2s might change a text, or None if the library's
    tables are not as expected.

    A conversion changes a text only where a changing dictionary key matches, so a text holding no
    character of any such key is already simplified. The set is kept small: the characters that
    change on their own (臺, 麼, 沒), plus, for a phrase built only of characters that never change
    on their own, the ones it changes (沈 in a phrase such as 沈默); a phrase that holds a character
    changing on its own (么麼, 沈沒) is caught by that character. So 怎么 and 沈巷 skip the converter,
    the third of the time it took to index a large catalogue, while every text it would change still
    goes through it.
    """
    try:
        _T2S.convert("臺")  # loads the dictionaries
        changing = [
            (key, value.split()[0] if isinstance(value, str) else value[0])
            for group in _T2S._dict_chain_data
            for _min, _max, table in group
            for key, value in table.items()
        ]
        changing = [(key, first) for key, first in changing if key != first]
        alone = {key for key, _first in changing if len(key) == 1}
        found = set(alone)
        for key, first in changing:
            if len(key) > 1 and alone.isdisjoint(key):
                if len(first) != len(key):
                    found.update(key)
                else:
                    found.update(k for k, v in zip(key, first, strict=True) if k != v)
        return frozenset(found) or None
    except (AttributeError, TypeError, ValueError, IndexError):
        return None


def to_simplified(text: str) -> str:
    changed = _traditional_chars()
    if changed is not None and changed.isdisjoint(text):
        return text
    with _T2S_LOCK:
        return _T2S.convert(text)


def clean(text: str) -> str:
    """Width, case, script and punctuation made uniform; words separated by single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = to_simplified(text)
    return _PUNCT.sub(" ", text).strip()


_TOKENIZER_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    """One jieba tokenizer per process: loading its dictionary takes a second.

    Every knowledge version adds its words to it; words of an older version that stay behind only
    keep a domain term in one piece, which is harmless.
    """
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@lru_cache(maxsize=SYLLABLE_CACHE)
def _syllable(char: str) -> str:
    """A Chinese character's toneless pinyin (its commonest reading); one pypinyin cannot read (68 of
    the basic block: 兙, 兡, 嗧...) is its own syllable, so it still has a code."""
    if not _HAN.match(char):
        return char
    return (lazy_pinyin(char, style=Style.NORMAL, errors="ignore") or [char])[0]


@lru_cache(maxsize=1)
def _pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows, but the interjections (m, n, ng, hm...)."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    found = {to_normal(p) for readings in pinyin_dict.values() for p in readings.split(",")}
    return frozenset(x for x in found if x.isascii() and x.isalpha() and (len(x) > 1 or x in "aeo") and x[0] in "abcdefghjklmnopqrstwxyz" and x not in {"hm", "hng", "ng", "m", "n"})


@lru_cache(maxsize=PINYIN_SPLIT_CACHE)
def split_pinyin(token: str) -> tuple[str, ...] | None:
    """`renfangchewei` → ('ren', 'fang', 'che', 'wei'); None unless the whole token is 2+ syllables.

    Fewest syllables wins (xian is 先, not 西安); a syllable after the first never starts with a vowel,
    as typed pinyin would need an apostrophe there.
    """
    if len(token) < SHORTEST_JOINED_PINYIN or not token.isascii():
        return None
    syllables = _pinyin_syllables()
    best: list[tuple[str, ...] | None] = [None] * (len(token) + 1)
    best[len(token)] = ()
    for start in range(len(token) - 1, -1, -1):
        for end in range(min(len(token), start + LONGEST_SYLLABLE), start, -1):
            rest = best[end]
            # After the first syllable, one starting with a vowel would need an apostrophe (xi'an).
            if rest is not None and token[start:end] in syllables and (start == 0 or token[start] not in "aeo"):
                candidate = (token[start:end], *rest)
                if best[start] is None or len(candidate) < len(best[start]):
                    best[start] = candidate
    split = best[0]
    return split if split and len(split) >= 2 else None


class _Replacer:
    """Replaces the longest of a set of words at each position, left to right (leftmost-longest).

    A regular expression alternating a thousand synonyms tries each of them at every character; this
    looks up the text's slices in a set instead, only for the lengths the words have — ten times
    faster on every question and every knowledge text. A Latin word must be a whole word ("check"
    is not inside "checklist"), so those keep a regular expression with boundaries.
    """

    def __init__(self, words: Iterable[str]):
        words = {w for w in words if w}
        latin = sorted((w for w in words if re.match(r"[a-z]", w)), key=len, reverse=True)
        self._latin = re.compile("|".join(rf"(?<![a-z]){re.escape(w)}(?![a-z])" for w in latin)) if latin else None
        self._words = frozenset(w for w in words if not re.match(r"[a-z]", w))
        self._lengths = sorted({len(w) for w in self._words}, reverse=True)
        self._starts = frozenset(w[0] for w in self._words)

    def sub(self, replace, text: str) -> str:
        """`text` with each found word replaced by `replace(word)`."""
        if self._latin is not None and _LATIN.search(text):
            text = self._latin.sub(lambda m: replace(m.group(0)), text)
        if self._starts.isdisjoint(text):  # no word can start here: most texts, for the filler
            return text
        out, i, n = [], 0, len(text)
        while i < n:
            if text[i] in self._starts:
                for length in self._lengths:
                    if i + length <= n and text[i : i + length] in self._words:
                        out.append(replace(text[i : i + length]))
                        i += length
                        break
                else:
                    out.append(text[i])
                    i += 1
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


class Vocabulary:
    """The knowledge base's words: synonyms, filler, and the dictionary jieba segments with.

    Built once per knowledge version. `sounds` maps every token to one private-use character per
    syllable or Latin word, so rapidfuzz edit distances count sounds.
    """

    def __init__(self, synonyms: dict[str, str], fillers: Iterable[str], domain_words: Iterable[str]):
        variants = sorted(synonyms, key=len, reverse=True)
        self._synonyms = {clean(k): v for k, v in synonyms.items()}
        self._variants = _Replacer(clean(v) for v in variants)
        self._fillers = _Replacer(clean(f) for f in fillers)
        self._codes: dict[str, str] = {}
        self._han_codes: dict[str, str] = {}  # character → the code of its syllable: at most 20,992 (_HAN)
        self._code_lock = threading.Lock()
        self._frozen = False
        self._tokenizer = _tokenizer()
        self._segmenter = Segmenter(self._tokenizer)
        with _TOKENIZER_LOCK:
            # Sorted, and FREQ.get rather than `in`: jieba stores every prefix of an added word with
            # frequency 0, so 人防工程 would be skipped after 人防工程师 — in an order that changed
            # with the hash seed, so two gunicorn workers could segment (and answer) differently.
            for word in sorted({clean(w).replace(" ", "") for w in (*domain_words, *synonyms.values())}):
                if len(word) >= 2 and not self._tokenizer.FREQ.get(word):
                    self._tokenizer.add_word(word, freq=DOMAIN_WORD_FREQ)

    def canonicalise(self, text: str, is_clean: bool = False) -> str:
        """Cleaned text with variants replaced by canonical words and filler removed."""
        text = text if is_clean else clean(text)
        text = self._fillers.sub(lambda _word: " ", text)
        text = self._variants.sub(lambda word: f" {self._synonyms[word]} ", text)
        return re.sub(r"\s+", " ", text).strip()

    def code(self, text: str) -> str:
        """The sound code of a text's meaningful words: `sounds(words(canonicalise(text)))`.

        Text of Chinese characters alone, none of them found in a function word, is coded as it
        stands: whatever jieba made of it, no word would be dropped and every character is one
        syllable, so the code is the same without segmenting it — the names, aliases and keywords
        of an index, a sixth of the segmenting a large catalogue's build does.
        """
        canonical = self.canonicalise(text)
        if _PLAIN_HAN.fullmatch(canonical) and _FUNCTION_CHARS.isdisjoint(canonical):
            return self.sounds(canonical.split())
        return self.sounds(self.words(canonical))

    def words(self, canonical: str) -> list[str]:
        """Meaningful words of canonical text, in order (jieba's words, with the domain dictionary)."""
        out = []
        for chunk in canonical.split():
            for word in self._segmenter.cut(chunk):
                word = word.strip()
                if word and word not in FUNCTION_WORDS:
                    out.append(word)
        return out

    def word_codes(self, canonical: str) -> list[str]:
        """The sound code of each meaningful word of canonical text (joined, they are `sounds`)."""
        words = self.words(canonical)
        pinyin = self._reads_as_pinyin(t for w in words for t in _TOKEN.findall(w))
        return [self._sounds(_TOKEN.findall(w), pinyin) for w in words]

    def sounds(self, words: Iterable[str]) -> str:
        """One code character per syllable (Chinese) or word (Latin, digits).

        Pinyin typed without spaces (renfangchewei) is split into its syllables first, so it codes
        exactly like 人防车位; a Latin word that is not all pinyin (check, rent) stays one word.
        """
        words = list(words)
        chars = "".join(words)
        if _ALL_HAN.fullmatch(chars):  # most texts: each character is a token, and no pinyin to read
            codes = list(map(self._han_codes.get, chars))
            if None not in codes:
                return "".join(codes)
        tokens = [token for word in words for token in _TOKEN.findall(word)]
        return self._sounds(tokens, self._reads_as_pinyin(tokens))

    def _reads_as_pinyin(self, tokens: Iterable[str]) -> bool:
        """Split Latin words into syllables only when every one of them could be pinyin: in an English
        sentence, "warehouse" is English, not wa-re-hou-se."""
        latin = [t for t in tokens if "a" <= t[0] <= "z"]  # a _TOKEN is one Han character, a-z+ or digits
        return all(t in _pinyin_syllables() or split_pinyin(t) or t in self._codes for t in latin)

    def _sounds(self, tokens: list[str], pinyin: bool) -> str:
        codes, han_codes = [], self._han_codes
        for token in tokens:
            code = han_codes.get(token)  # a syllable's code never changes once given
            if code is not None:
                codes.append(code)
                continue
            if _HAN.match(token):
                codes.append(han_codes.setdefault(token, self._code(_syllable(token), learn=True)))
                continue
            units = (pinyin and token not in self._codes and split_pinyin(token)) or (token,)
            codes.extend(self._code(unit, learn=not self._frozen) for unit in units)
        return "".join(codes)

    def freeze(self) -> None:
        """Stop learning new Latin words and numbers: from now on they all share one 'unknown' code.

        Called once the knowledge base has been indexed, so that users' random input cannot grow the
        table; pinyin syllables (a few hundred) are always learnt.
        """
        self._frozen = True

    def _code(self, unit: str, learn: bool) -> str:
        code = self._codes.get(unit)
        if code is None:
            if not learn:
                return UNKNOWN
            with self._code_lock:
                code = self._codes.setdefault(unit, chr(CODE_BASE + len(self._codes)))
        return code
