"""What to fix next (`fix_next`): the questions the assistant did not answer well, grouped.

The questions it did not answer (declined, or asked the person to choose), the questions whose
answer the person rejected (不是这个 — the question before it is the one answered wrongly) or rated
没帮助, grouped by similarity, so twenty wordings of one missing question are one row with a count.
Conversational messages (不是这个 itself, 好的, 谢谢, 那要多久 with nothing to refer to) are never
rows: the matcher itself says which those are. Each row also says what the assistant answers today,
so a row already fixed in the knowledge shows it. Read-only; the fixes are `fixes.py`.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlite_utils
from rapidfuzz import process
from rapidfuzz.distance import LCSseq

from .analytics import KINDS, item_name, since
from .feedback import unhelpful_questions
from .knowledge import Knowledge
from .matcher import Decision, build_index, choose_entry, match
from .normalise import clean
from .settings import Thresholds

REASONS = {"decline": "婉拒", "clarify": "请选择", "rejected": "不是这个", "unhelpful": "没帮助"}
# Two wordings are one question when the shorter's sound codes all appear, in order, in the longer
# (one syllable in ten may differ) and the longer adds at most EXTRA syllables (我家, 猫咪, 请问一下…),
# as typed or with their words in any order. A different word (卖 / 租, 猫 / 狗) is another question.
# Measured on knowledge/: no two entries' questions of one item are one question by this rule.
EXTRA = 2
# Words that ask without naming anything: 能 / 可以 / 怎么办 change nothing about what is asked.
_ASKING = frozenset(
    "能 能不能 可以 可不可以 可否 能否 要 要不要 需要 需不需要 该 应该 怎么 怎么办 咋办 办 怎样 怎么样 如何 是否 "
    "会 会不会 吗 么 呢 行不行 行吗 好不好 有没有 什么 啥".split()
)
CONVERSATIONAL_CHARS = 12  # longer messages always carry a question, even after 不是这个


@dataclass(frozen=True)
class Outcome:
    """What the assistant answers to a row's question today, and whether that settles the row."""

    label: str
    resolved: bool
    candidates: tuple[str, ...] = ()  # items the matcher considered, best first: where a fix may go
    item_id: str | None = None
    entry_id: str | None = None


@dataclass(frozen=True)
class FixRow:
    """One question to fix, with every wording of it that was asked."""

    key: str  # stable while the row's wording is the same: the address of its page
    question: str  # the wording asked most (masked)
    count: int  # how many times it was asked (each asked question once, whatever its reasons)
    reasons: dict[str, int]  # REASONS key → how many of those questions had it
    last_asked: str
    variants: tuple[tuple[str, int], ...]  # every wording, most asked first (the row's own first)
    conversations: tuple[str, ...]  # newest first
    answered_with: tuple[tuple[str, str | None], ...]  # (item, entry) given and rejected or rated 没帮助
    remarks: tuple[str, ...]  # the reasons people wrote with 没帮助 (masked)
    now: Outcome | None = None

    @property
    def other_variants(self) -> tuple[tuple[str, int], ...]:
        return tuple(v for v in self.variants if v[0] != self.question)


@dataclass
class _Asked:
    id: int
    conversation_id: str
    question: str
    asked_at: str
    kind: str
    item_id: str | None
    entry_id: str | None
    reasons: set[str] = field(default_factory=set)
    remark: str | None = None


# What the matcher said of a short message, per knowledge version: the dashboard asks again on every
# load, and the same few hundred messages (不是这个, 好的…) recur. Cleared whole when it grows too big.
_CONVERSATIONAL: dict[tuple[str, str], str | None] = {}
_CONVERSATIONAL_LIMIT = 50_000
_CODES: dict[tuple[str, str], str] = {}  # the same for `_grouping_code`


def _conversational_kind(knowledge: Knowledge, text: str) -> str | None:
    """"rejection" for 不是这个 and its kin, "chat" for small talk and a bare follow-up, else None.

    Asked of the matcher, so the list never drifts from the chat's own understanding: a rejection is
    what it takes for one in a conversation about an item (as these messages always come after one);
    a bare follow-up (那要多久？) is a question it finds too vague to answer on its own, naming nothing.
    Long messages carry a question whatever they start with.
    """
    key = (knowledge.fingerprint, text)
    if key in _CONVERSATIONAL:
        return _CONVERSATIONAL[key]
    found = None
    if len(clean(text).replace(" ", "")) <= CONVERSATIONAL_CHARS and knowledge.items:
        some_item = next(iter(knowledge.items))
        decision = match(knowledge, text, context_item=some_item, context_candidates=(some_item,))
        if decision.rejected:
            found = "rejection"
        elif decision.kind == "smalltalk" or match(knowledge, text).vague:
            found = "chat"
    if len(_CONVERSATIONAL) >= _CONVERSATIONAL_LIMIT:
        _CONVERSATIONAL.clear()
    _CONVERSATIONAL[key] = found
    return found


def _problem_questions(db: sqlite_utils.Database, knowledge: Knowledge, since: str) -> list[_Asked]:
    """Every question of the window that the list is about, with why (REASONS)."""
    rows = [
        _Asked(**r)
        for r in db.query(
            "select id, conversation_id, question, asked_at, kind, item_id, entry_id from questions "
            "where asked_at >= ? and kind is not null order by conversation_id, id",
            [since],
        )
    ]
    by_conversation: dict[str, list[_Asked]] = defaultdict(list)
    for row in rows:
        by_conversation[row.conversation_id].append(row)
    position = {row.id: i for rows_ in by_conversation.values() for i, row in enumerate(rows_)}

    def before(row: _Asked) -> _Asked | None:
        """The question a conversational message refers to: the last real question before it."""
        earlier = by_conversation[row.conversation_id][: position[row.id]]
        for candidate in reversed(earlier):
            if candidate.kind in ("answer", "clarify", "decline") and not _conversational_kind(
                knowledge, candidate.question
            ):
                return candidate
        return None

    unhelpful = unhelpful_questions(db, since)
    for row in rows:
        if row.kind in ("decline", "clarify"):
            # The chat logs a rejection and a bare follow-up as clarify, small talk as small talk: only
            # a clarify can be a conversational message, so only those are asked about (it costs a match).
            said = _conversational_kind(knowledge, row.question) if row.kind == "clarify" else None
            if said is None:
                row.reasons.add(row.kind)
            elif said == "rejection" and (target := before(row)) is not None:
                target.reasons.add("rejected")
        if row.id in unhelpful and row.kind != "case":
            target = row if not _conversational_kind(knowledge, row.question) else before(row)
            if target is not None:
                target.reasons.add("unhelpful")
                target.remark = unhelpful[row.id] or target.remark
    return [row for row in rows if row.reasons]


def _grouping_code(knowledge: Knowledge, text: str) -> str:
    """What two questions are compared on: the matcher's sound codes of their meaningful words (asking
    words left out), one word per space, so that synonyms, homophones, filler, particles and 能 / 可以
    make no difference; the cleaned text when nothing is left."""
    key = (knowledge.fingerprint, text)
    code = _CODES.get(key)
    if code is None:
        vocab = build_index(knowledge).vocab
        words = [w for w in vocab.words(vocab.canonicalise(text)) if w not in _ASKING]
        code = " ".join(vocab.sounds([w]) for w in words) or clean(text).replace(" ", "")
        if len(_CODES) >= _CONVERSATIONAL_LIMIT:
            _CODES.clear()
        _CODES[key] = code
    return code


def _ordered(code: str) -> str:
    return "".join(sorted(code.split()))


class _Groups:
    """Questions gathered round the wording that founded each group (the most asked come first)."""

    def __init__(self) -> None:
        self.joined: list[str] = []  # the founder's codes as typed
        self.ordered: list[str] = []  # and with its words sorted, for wordings in another order
        self.members: list[list[_Asked]] = []

    def add(self, code: str, members: list[_Asked]) -> None:
        found = self._same(code)
        if found is None:
            self.joined.append(code.replace(" ", ""))
            self.ordered.append(_ordered(code))
            self.members.append(list(members))
        else:
            self.members[found].extend(members)

    def _same(self, code: str) -> int | None:
        """The group whose founder asks the same as `code` (see EXTRA), the closest; else None."""
        best, best_score = None, 0.0
        for mine, founders in ((code.replace(" ", ""), self.joined), (_ordered(code), self.ordered)):
            for founder, common, i in process.extract(mine, founders, scorer=LCSseq.similarity, score_cutoff=1, limit=None):
                short, long = sorted((len(mine), len(founder)))
                if common >= short - short // 10 and long - common <= EXTRA and common / long > best_score:
                    best, best_score = i, common / long
        return best


def row_key(question: str) -> str:
    """The address of a row's page: a digest of its cleaned wording (never the text itself in a URL)."""
    return hashlib.sha256(clean(question).replace(" ", "").encode("utf-8")).hexdigest()[:16]


def fix_next(
    db: sqlite_utils.Database,
    knowledge: Knowledge,
    days: int = 30,
    limit: int | None = 20,
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
) -> list[FixRow]:
    """The questions to fix next, grouped by similarity, most asked first (then most recent).

    Only the rows returned are matched again to say what the assistant answers today (`FixRow.now`).
    """
    rows = _grouped(db, knowledge, days, now)
    rows = rows[:limit] if limit is not None else rows
    return [_with_outcome(knowledge, row, thresholds) for row in rows]


def fix_row(
    db: sqlite_utils.Database,
    knowledge: Knowledge,
    key: str,
    days: int = 30,
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
) -> FixRow | None:
    """The row with this `key` (`row_key`), with what the assistant answers today; None if no row has it."""
    found = next((row for row in _grouped(db, knowledge, days, now) if row.key == key), None)
    return _with_outcome(knowledge, found, thresholds) if found else None


def _grouped(db: sqlite_utils.Database, knowledge: Knowledge, days: int, now: datetime | None) -> list[FixRow]:
    asked = _problem_questions(db, knowledge, since(now, days))
    by_code: dict[str, list[_Asked]] = defaultdict(list)
    for row in asked:
        by_code[_grouping_code(knowledge, row.question)].append(row)
    # The most asked wording of a question founds its group, so its neighbours gather round it.
    codes = _most_first(by_code, lambda c: (len(by_code[c]), max(r.asked_at for r in by_code[c])))
    groups = _Groups()
    for code in codes:
        groups.add(code, by_code[code])
    return _most_first([_row(members) for members in groups.members], lambda r: (r.count, r.last_asked))


def _row(members: list[_Asked]) -> FixRow:
    wordings = Counter(m.question for m in members)
    latest = {m.question: m.asked_at for m in sorted(members, key=lambda m: m.asked_at)}
    variants = tuple(_most_first(list(wordings.items()), lambda kv: (kv[1], latest[kv[0]])))
    question = variants[0][0]
    conversations = tuple(dict.fromkeys(m.conversation_id for m in sorted(members, key=lambda m: m.asked_at, reverse=True)))
    given = {
        (m.item_id, m.entry_id) for m in members if m.kind == "answer" and m.reasons & {"rejected", "unhelpful"}
    }
    return FixRow(
        key=row_key(question),
        question=question,
        count=len(members),
        reasons={r: sum(r in m.reasons for m in members) for r in REASONS},
        last_asked=max(m.asked_at for m in members),
        variants=variants,
        conversations=conversations,
        answered_with=tuple(sorted(given, key=lambda p: (p[0] or "", p[1] or ""))),
        remarks=tuple(dict.fromkeys(m.remark for m in members if m.remark)),
    )


def _most_first(values, key) -> list:
    """`values` by `key`, largest (most asked, then latest) first."""
    return sorted(values, key=key, reverse=True)


def _with_outcome(knowledge: Knowledge, row: FixRow, thresholds: Thresholds | None) -> FixRow:
    t = thresholds or Thresholds()
    decision = match(
        knowledge, row.question, answer_threshold=t.answer, decline_threshold=t.decline, clarify_margin=t.clarify_margin
    )
    return replace(row, now=outcome(knowledge, decision, row))


def outcome(knowledge: Knowledge, decision: Decision, row: FixRow) -> Outcome:
    """What the decision means for the row: settled when it answers with something other than what was
    rejected or rated unhelpful, or refers the question to another department."""
    candidates = tuple(c.item_id for c in decision.candidates if c.item_id in knowledge.items)
    if decision.kind == "answer":
        item = item_name(knowledge, decision.item_id)
        entry = knowledge.items[decision.item_id].entry(decision.entry) if decision.entry else None
        what = f"{item} · {entry.question}" if entry else item
        if (decision.item_id, decision.entry) in row.answered_with:
            return Outcome(f"仍答为：{what}", False, candidates, decision.item_id, decision.entry)
        return Outcome(f"已能回答：{what}", True, candidates, decision.item_id, decision.entry)
    if decision.kind == "decline" and decision.referral is not None:
        return Outcome(f"转介：{decision.referral.topic}", True, candidates)
    if decision.kind == "clarify":
        names = "、".join(item_name(knowledge, c) for c in candidates[:3])
        return Outcome(f"仍请用户选择（{names}）" if names else "仍请用户选择", False, candidates)
    if decision.kind == "smalltalk":
        return Outcome("寒暄", True, candidates)
    return Outcome("仍婉拒", False, candidates)


def suggestion(knowledge: Knowledge, row: FixRow) -> tuple[str | None, str | None]:
    """Where the row's question most likely belongs: the best item the matcher considered that did not
    give the rejected answer, and the entry of it the question comes closest to (None when none is close).

    A guess to preselect in the page's forms, never acted on without an administrator's click.
    """
    rejected = {item for item, _ in row.answered_with}
    candidates = row.now.candidates if row.now else ()
    if row.now and row.now.item_id and row.now.resolved:
        return row.now.item_id, row.now.entry_id
    item_id = next((c for c in candidates if c not in rejected), candidates[0] if candidates else None)
    if item_id is None:
        return None, None
    index = build_index(knowledge)
    code = "".join(index.vocab.word_codes(index.vocab.canonicalise(row.question)))
    entry_id = choose_entry(index, item_id, code)
    if (item_id, entry_id) in row.answered_with:
        entry_id = None
    return item_id, entry_id


def answered_label(knowledge: Knowledge, item_id: str | None, entry_id: str | None) -> str:
    """`易地建设费 · 已经交的易地建设费能退吗？` for an (item, entry) given as an answer."""
    if item_id is None:
        return ""
    item = knowledge.items.get(item_id)
    entry = item.entry(entry_id) if item is not None and entry_id else None
    return f"{item_name(knowledge, item_id)} · {entry.question}" if entry else item_name(knowledge, item_id)


@dataclass(frozen=True)
class Line:
    """One question of a conversation as an administrator reads it (masked, as stored)."""

    id: int
    asked_at: str
    question: str
    kind: str
    answered: str  # the item (and entry) that answered, when one did
    flagged: bool  # one of the row's questions


def conversations(
    db: sqlite_utils.Database, knowledge: Knowledge, row: FixRow, limit: int = 10
) -> list[tuple[str, list[Line]]]:
    """The row's conversations (newest first, at most `limit`), each as its questions in order."""
    ids = list(row.conversations[:limit])
    if not ids:
        return []
    wordings = {q for q, _ in row.variants}
    marks = ",".join("?" * len(ids))
    lines: dict[str, list[Line]] = {i: [] for i in ids}
    for r in db.query(
        f"select id, conversation_id, asked_at, question, kind, item_id, entry_id from questions "
        f"where conversation_id in ({marks}) order by id",
        ids,
    ):
        lines[r["conversation_id"]].append(
            Line(
                r["id"],
                r["asked_at"],
                r["question"],
                KINDS.get(r["kind"] or "", r["kind"] or ""),
                answered_label(knowledge, r["item_id"], r["entry_id"]) if r["kind"] == "answer" else "",
                r["question"] in wordings,
            )
        )
    return [(i, lines[i]) for i in ids]
