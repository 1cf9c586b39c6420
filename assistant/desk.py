"""The answer desk: what a window clerk on the phone finds as they type, over the whole knowledge.

`answer_cards(knowledge, query)` ranks items, and within each the entry the query is about, two ways
at once: the chat's own matcher (`rank_items`, `choose_entry`) for a whole question, and plain
substring matching on names, aliases, keywords and entry questions for the two or three characters a
clerk types (易地费, 验收, 车位), where a sentence matcher has too little to go on. Each card holds the
direct answer, the item's whole 办事指南 in reading order, its sources, and a plain-text version to
copy into a message or read out.

Pure: no Flask, no database. The cases half of the desk is `staff_cases.find`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from . import facts
from .knowledge import SECTIONS, Item, Knowledge
from .matcher import build_index, choose_entry, rank_items
from .replies import section, title
from .workdays import office_today

MAX_QUERY_CHARS = 100
MAX_CARDS = 6
# A card is shown when the item scores at least this (0–100) by either way of matching.
MIN_SCORE = 25
# What a substring hit is worth, by where it is found: an item's own names say most.
FRAGMENT_WEIGHT = {"name": 100.0, "keyword": 85.0, "entry": 80.0, "question": 60.0}
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Card:
    """One item as the desk shows it: the direct answer first, then everything else, to read out."""

    item_id: str
    entry_id: str | None
    title: str  # the entry's question, else the item's name
    item_name: str
    answer: str  # the same tiny mark-up as chat replies: "- " list lines and **bold**
    guide: list[dict] = field(default_factory=list)  # [{"key", "title", "text"}] in reading order
    sources: list[str] = field(default_factory=list)
    score: float = 0.0

    def plain_text(self) -> str:
        """The card as plain text, ready to paste: title, answer, then each section under its title."""
        lines = [self.title, _plain(self.answer)]
        for part in self.guide:
            lines += ["", f"【{part['title']}】", _plain(part["text"])]
        return "\n".join(lines).strip()

    def as_json(self) -> dict:
        return {
            "item_id": self.item_id,
            "entry_id": self.entry_id,
            "title": self.title,
            "item_name": self.item_name,
            "answer": self.answer,
            "guide": self.guide,
            "sources": self.sources,
            "score": round(self.score, 1),
            "plain_text": self.plain_text(),
        }


def _plain(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def answer_cards(knowledge: Knowledge, query: str, today: date | None = None, limit: int = MAX_CARDS) -> list[Card]:
    """The best cards for `query` (a fragment or a whole question), best first; [] for nothing found."""
    text = query.strip()[:MAX_QUERY_CHARS]
    if not text:
        return []
    index = build_index(knowledge)
    canonical = index.vocab.canonicalise(text)
    # The whole fragment, and each of its parts when the clerk typed several (易地费 退).
    tokens = list(dict.fromkeys(t for t in (canonical.replace(" ", ""), *canonical.split()) if t))
    ranked, code = rank_items(knowledge, text)
    scores = dict(ranked)
    hit_entries: dict[str, str | None] = {}  # the entry the fragments name; None: the item as a whole
    for item_id, words in _words(knowledge).items():
        score, entry_id, named = _fragment_score(words, tokens)
        scores[item_id] = max(score, scores.get(item_id, 0.0))
        if entry_id or named:
            hit_entries[item_id] = entry_id
    best = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    today = today or office_today()
    cards = []
    for item_id, score in best[:limit]:
        if score < MIN_SCORE:
            break
        entry_id = hit_entries[item_id] if item_id in hit_entries else choose_entry(index, item_id, code)
        cards.append(_card(knowledge, knowledge.items[item_id], entry_id, score, today))
    return cards


@dataclass(frozen=True)
class _Words:
    """An item's words in canonical form, without spaces: what a typed fragment is looked for in."""

    names: tuple[str, ...]
    keywords: tuple[str, ...]
    entries: tuple[tuple[str, tuple[str, ...]], ...]  # (entry id, its question and keywords)
    questions: tuple[str, ...]


_WORDS: dict[str, dict[str, _Words]] = {}  # knowledge fingerprint → item id → words


def _words(knowledge: Knowledge) -> dict[str, _Words]:
    """Every item's words, canonicalised once per knowledge version (not on every keystroke)."""
    found = _WORDS.get(knowledge.fingerprint)
    if found is None:
        vocab = build_index(knowledge).vocab

        def flat(texts) -> tuple[str, ...]:
            return tuple(vocab.canonicalise(t).replace(" ", "") for t in texts)

        found = {
            item.id: _Words(
                names=flat((item.name, item.short_name, *item.aliases)),
                keywords=flat((*item.keywords, *item.intents)),
                entries=tuple((e.id, flat((e.question, *e.keywords))) for e in item.entries),
                questions=flat(item.questions),
            )
            for item in knowledge.items.values()
        }
        _WORDS.clear()  # one version at a time is plenty for the desk
        _WORDS[knowledge.fingerprint] = found
    return found


def _fragment_score(words: _Words, tokens: list[str]) -> tuple[float, str | None, bool]:
    """How well the typed fragments name the item (substrings of its words), the entry they name,
    and whether the item itself was named.

    A fragment found in the item's names (验收, 车位) is about the item as a whole; one found in an
    entry's question or keywords (退 in 易地费 退, 充电桩) names that entry.
    """
    def holds(texts: tuple[str, ...], token: str) -> bool:
        return any(token in t for t in texts)

    score, entry_id, named = 0.0, None, False
    for token in sorted(tokens, key=len, reverse=True):
        # A fragment is a weaker signal the shorter it is: 费 alone is in a dozen items, 易地费 in one.
        weight = min(1.0, 0.5 + len(token) / 8)
        if holds(words.names, token):
            score, named = max(score, FRAGMENT_WEIGHT["name"] * weight), True
            continue
        hit = next((e for e, texts in words.entries if holds(texts, token)), None)
        if hit:
            entry_id = entry_id or hit
            score = max(score, FRAGMENT_WEIGHT["entry"] * weight)
        if holds(words.keywords, token):
            score = max(score, FRAGMENT_WEIGHT["keyword"] * weight)
        elif not hit and holds(words.questions, token):
            score = max(score, FRAGMENT_WEIGHT["question"] * weight)
    return score, entry_id, named


def _card(knowledge: Knowledge, item: Item, entry_id: str | None, score: float, today: date) -> Card:
    entry = item.entry(entry_id) if entry_id else None
    guide = [
        {"key": key, "title": title(item, key, knowledge), "text": facts.text(knowledge, item.id, text, today)}
        for key in SECTIONS
        if (text := section(item, key, knowledge))
    ]
    sources = list(dict.fromkeys((*(entry.sources if entry else ()), *item.sources)))
    return Card(
        item_id=item.id,
        entry_id=entry.id if entry else None,
        title=entry.question if entry else item.name,
        item_name=item.name,
        answer=facts.text(knowledge, item.id, entry.answer if entry else item.summary, today),
        guide=guide,
        sources=sources,
        score=score,
    )
