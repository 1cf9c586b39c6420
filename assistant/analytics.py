"""Numbers for the administrators' pages: what people ask, how it was answered, what to fix next, where
cases stand, who waits for a call back, and the audit log page by page.

Read-only. Questions are stored already masked (chat.py), so they can be shown as they are.

What to fix next (`fix_next`): the questions the assistant did not answer (declined, or asked the
person to choose), the questions whose answer the person rejected (不是这个 — the question before
it is the one answered wrongly) or rated 没帮助, grouped by similarity, so twenty wordings of one
missing question are one row with a count. Conversational messages (不是这个 itself, 好的, 谢谢,
那要多久 with nothing to refer to) are never rows: the matcher itself says which those are.
Each row also says what the assistant answers today, so a row already fixed in the knowledge shows it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlite_utils
from rapidfuzz import process
from rapidfuzz.distance import LCSseq

from . import audit, knowledge_edit, knowledge_versions
from .callbacks import STATUS_LABELS, count_open
from .cases import STATUSES, normalise_case_no
from .db import immediate
from .errors import BadRequest
from .feedback import unhelpful_questions
from .knowledge import Knowledge, load_files, read_files
from .matcher import Decision, build_index, choose_entry, match
from .normalise import clean
from .settings import Thresholds
from .workdays import OFFICE_TZ
from .yamlfile import read_yaml_text

KINDS = {
    "answer": "直接回答",
    "clarify": "请用户选择",
    "decline": "婉拒（未能回答）",
    "smalltalk": "寒暄",
    "case": "办件查询",
}


@dataclass(frozen=True)
class Share:
    kind: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class Count:
    """One bar of a chart: a key, what people read, how many."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def _since(now: datetime | None, days: int) -> str:
    return ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="seconds")


def questions_since(db: sqlite_utils.Database, days: int, now: datetime | None = None) -> int:
    """How many questions were asked in the last `days` days."""
    return db.execute("select count(*) from questions where asked_at >= ?", [_since(now, days)]).fetchone()[0]


def shares(db: sqlite_utils.Database, days: int = 30, now: datetime | None = None) -> list[Share]:
    """How the questions of the last `days` days were handled, every kind listed (zeros too)."""
    counts = dict(
        db.execute(
            "select kind, count(*) from questions where asked_at >= ? and kind is not null group by kind",
            [_since(now, days)],
        ).fetchall()
    )
    total = sum(counts.values())
    kinds = list(KINDS) + sorted(k for k in counts if k not in KINDS)
    return [
        Share(k, KINDS.get(k, k), counts.get(k, 0), 100.0 * counts.get(k, 0) / total if total else 0.0)
        for k in kinds
    ]


def questions_per_day(db: sqlite_utils.Database, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
    """Questions asked on each of the last `days` office days (today included, zeros too), oldest first."""
    today = (now or datetime.now(UTC)).astimezone(OFFICE_TZ).date()
    first = today - timedelta(days=days - 1)
    start = audit.start_of_day(first).isoformat(timespec="seconds")
    counts: Counter[date] = Counter(
        datetime.fromisoformat(at).astimezone(OFFICE_TZ).date()
        for (at,) in db.execute("select asked_at from questions where asked_at >= ?", [start]).fetchall()
    )
    return [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)]


def top_items(
    db: sqlite_utils.Database, knowledge: Knowledge, days: int = 30, limit: int = 10, now: datetime | None = None
) -> list[Count]:
    """The items that answered most questions in the last `days` days, most first."""
    rows = db.execute(
        "select item_id, count(*) as n from questions where asked_at >= ? and kind = 'answer' "
        "and item_id is not null group by item_id order by n desc, item_id limit ?",
        [_since(now, days), limit],
    ).fetchall()
    return [Count(i, _item_name(knowledge, i), n) for i, n in rows]


def callbacks_by_status(db: sqlite_utils.Database, days: int = 30, now: datetime | None = None) -> list[Count]:
    """Callback requests made in the last `days` days, per status (zeros too)."""
    found = dict(
        db.execute(
            "select status, count(*) from callbacks where created_at >= ? group by status", [_since(now, days)]
        ).fetchall()
    )
    return [Count(s, label, found.get(s, 0)) for s, label in STATUS_LABELS.items()]


def cases_by_status(db: sqlite_utils.Database) -> list[StatusCount]:
    """The number of cases in each status, in the order a case moves through them (zeros too)."""
    counts = dict(db.execute("select status, count(*) from cases group by status").fetchall())
    statuses = list(STATUSES) + sorted(s for s in counts if s not in STATUSES)
    return [StatusCount(s, STATUSES[s].label if s in STATUSES else s, counts.get(s, 0)) for s in statuses]


def open_callbacks(db: sqlite_utils.Database) -> int:
    """Callback requests (转人工 / 留言) not yet closed: people waiting for the office to call them."""
    return count_open(db)


def _item_name(knowledge: Knowledge, item_id: str | None) -> str:
    """An item's short name; an item since removed keeps its id."""
    if item_id is None:
        return ""
    return knowledge.items[item_id].short_name if item_id in knowledge.items else item_id


# ---------------------------------------------------------------- what to fix next

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
    asked = _problem_questions(db, knowledge, _since(now, days))
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
        item = _item_name(knowledge, decision.item_id)
        entry = knowledge.items[decision.item_id].entry(decision.entry) if decision.entry else None
        what = f"{item} · {entry.question}" if entry else item
        if (decision.item_id, decision.entry) in row.answered_with:
            return Outcome(f"仍答为：{what}", False, candidates, decision.item_id, decision.entry)
        return Outcome(f"已能回答：{what}", True, candidates, decision.item_id, decision.entry)
    if decision.kind == "decline" and decision.referral is not None:
        return Outcome(f"转介：{decision.referral.topic}", True, candidates)
    if decision.kind == "clarify":
        names = "、".join(_item_name(knowledge, c) for c in candidates[:3])
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
    return f"{_item_name(knowledge, item_id)} · {entry.question}" if entry else _item_name(knowledge, item_id)


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


# ---------------------------------------------------------------- the audit log, page by page


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log page narrows to; every field optional. Dates are office days, both included."""

    user: str | None = None
    action: str | None = None
    case_no: str | None = None
    since: date | None = None
    until: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filter as the page's query string, for links to other pages of the same result."""
        values = {"user": self.user, "action": self.action, "case_no": self.case_no, "since": self.since, "until": self.until}
        return {k: str(v) for k, v in values.items() if v}


def audit_filter(args: Mapping[str, str]) -> AuditFilter:
    """The filter from the page's form fields; `BadRequest` in Chinese for a date or action it cannot mean."""

    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        return value[:100] or None

    def day(name: str, label: str) -> date | None:
        value = text(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BadRequest(f"{label}的格式不正确：“{value}”。请写成 2026-11-01 这样的日期。") from None

    action = text("action")
    if action is not None and action not in audit.ACTIONS:
        raise BadRequest("没有这种操作类型，请从列表中选择。")
    since, until = day("since", "开始日期"), day("until", "结束日期")
    if since and until and until < since:
        raise BadRequest("结束日期早于开始日期，请重新选择。")
    case_no = text("case_no")
    return AuditFilter(text("user"), action, normalise_case_no(case_no) if case_no else None, since, until)


@dataclass(frozen=True)
class AuditPage:
    entries: list[audit.Entry]
    total: int
    page: int
    pages: int


def audit_page(db: sqlite_utils.Database, filters: AuditFilter, page: int = 1, per_page: int = 50) -> AuditPage:
    """One page of the audit log, newest first, narrowed by `filters`; a page past the end shows the last."""
    where, params = [], []
    if filters.user:
        where.append("user = ? collate nocase")
        params.append(filters.user)
    if filters.action:
        where.append("action = ?")
        params.append(filters.action)
    if filters.case_no:
        where.append("instr(upper(case_no), ?) > 0")
        params.append(filters.case_no)
    if filters.since:
        where.append("at >= ?")
        params.append(audit.start_of_day(filters.since).isoformat(timespec="seconds"))
    if filters.until:
        where.append("at < ?")
        params.append(audit.start_of_day(filters.until + timedelta(days=1)).isoformat(timespec="seconds"))
    condition = f" where {' and '.join(where)}" if where else ""
    total = db.execute(f"select count(*) from audit_log{condition}", params).fetchone()[0]
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.query(
        f"select at, user, action, case_no, client, detail from audit_log{condition} "
        "order by at desc, id desc limit ? offset ?",
        [*params, per_page, (page - 1) * per_page],
    )
    return AuditPage([audit.Entry(**r) for r in rows], total, page, pages)


def audit_users(db: sqlite_utils.Database) -> list[str]:
    """Everyone who appears in the audit log, for the page's filter."""
    return [u for (u,) in db.execute("select distinct user from audit_log order by user collate nocase").fetchall()]


# ---------------------------------------------------------------- fixing a row
# The row's page offers three fixes, each one form: a wording of an entry (knowledge_edit.add_variant)
# or of the item as a whole (`add_question`), a new entry (knowledge_edit.add_entry), or another
# department's business (`add_referral`). All are checked as `assistant kb check` checks and recorded
# as knowledge versions, so `assistant kb history` shows who did it and a rollback undoes it.

REFERRALS = "referrals.yaml"
_KEYWORD_SPLIT = re.compile(r"[,，、;；\s]+")
_ALLOWED_NUMBERS = {"12345", "110", "119", "120"}  # referrals.yaml: no other phone in a reply
REFERRAL_PLACEHOLDER = "（部门名称）"


def add_question(db: sqlite_utils.Database, folder: str | Path, item_id: str, text: str, who: str) -> knowledge_edit.Saved:
    """Add `text` to an item's example questions (`questions`): a wording of the item as a whole.

    Nothing is written when it is there already (`Saved.changed` is False).
    """
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise knowledge_edit.InvalidItem([{"field": "questions", "message": "“示例问题”：请填写要加入的问法。"}])
    current = knowledge_edit.read_item(folder, item_id)
    if current.problems:
        raise knowledge_edit.InvalidItem(
            [{"field": "", "message": "这个事项的文件现在有错误，请先在知识库编辑器里修正：" + current.problems[0]}]
        )
    item = dict(current.item)
    questions = item.get("questions") if isinstance(item.get("questions"), list) else []
    if text in questions:
        return knowledge_edit.Saved(current.version, 0, changed=False)
    item["questions"] = [*questions, text]
    return knowledge_edit.save_item(db, folder, item_id, item, current.version, who, "加入示例问题（待改进的问题）")


@dataclass(frozen=True)
class ReferralDraft:
    """A referral as an administrator typed it, checked: `referrals.yaml` takes it as it is."""

    topic: str
    keywords: tuple[str, ...]
    reply: str


def check_referral(topic: object, keywords: object, reply: object) -> ReferralDraft:
    """The form's fields, checked under referrals.yaml's own rules; `BadRequest` in Chinese otherwise.

    Keywords are separated by commas, 、 or spaces; each names the topic in two characters or more
    (a single character would catch the office's own questions). The reply names the department and
    12345 / 一网通办, and no phone but 12345, 110, 119, 120.
    """
    topic = topic.strip() if isinstance(topic, str) else ""
    if not 2 <= len(topic) <= 40:
        raise BadRequest("请填写话题（2至40个字），例如“宠物走失”。")
    words = tuple(dict.fromkeys(w for w in _KEYWORD_SPLIT.split(keywords if isinstance(keywords, str) else "") if w))
    if not words:
        raise BadRequest("请至少填写一个关键词：问题里能明确指向这个话题的词，用逗号或顿号分开。")
    short = [w for w in words if len(w) < 2]
    if short:
        raise BadRequest(f"关键词至少两个字：“{short[0]}”太短，会把本办的问题也转走。")
    if len(words) > 30 or any(len(w) > 20 for w in words):
        raise BadRequest("关键词太多或太长：最多30个，每个不超过20个字。")
    reply = " ".join(reply.split()) if isinstance(reply, str) else ""
    if not 10 <= len(reply) <= 500:
        raise BadRequest("请填写给群众的答复（10至500个字）：由哪个部门负责，以及一网通办或12345市民服务热线。")
    if REFERRAL_PLACEHOLDER in reply:
        raise BadRequest(f"请把答复里的“{REFERRAL_PLACEHOLDER}”换成负责的部门。")
    numbers = [n for n in re.findall(r"\d{3,}", reply) if n not in _ALLOWED_NUMBERS]
    if numbers:
        raise BadRequest(f"答复里不要写电话或号码（{numbers[0]}）：只写部门名称和12345市民服务热线，电话可能变动，无法保证准确。")
    return ReferralDraft(topic, words, reply)


def _referral_text(draft: ReferralDraft, referral_id: str, indent: str, note: str) -> str:
    """The referral as YAML lines at `indent`, every text JSON-quoted (a valid YAML double-quoted scalar)."""

    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    pad = indent + "  "
    return (
        f"{indent}# {note}\n"
        f"{indent}- id: {referral_id}\n"
        f"{pad}topic: {quoted(draft.topic)}\n"
        f"{pad}keywords: [{', '.join(quoted(k) for k in draft.keywords)}]\n"
        f"{pad}reply: {quoted(draft.reply)}\n"
    )


def _appended(content: bytes, draft: ReferralDraft, referral_id: str, note: str) -> bytes:
    """`referrals.yaml` with the referral appended as text, so every comment and line stays as it was.

    The result must read back as the same list plus the new referral; a file laid out otherwise (the
    list not last, flow style) is refused rather than rewritten.
    """
    text = content.decode("utf-8")
    indents = re.findall(r"^([ \t]*)- id:", text, flags=re.MULTILINE)
    indent = indents[-1] if indents else "  "
    new = text if text.endswith("\n") or not text else text + "\n"
    new += "\n" + _referral_text(draft, referral_id, indent, note)
    entry = {"id": referral_id, "topic": draft.topic, "keywords": list(draft.keywords), "reply": draft.reply}
    expected = [*_referral_list(content), entry]
    new_data = read_yaml_text(new.encode("utf-8"), [], REFERRALS)[0]
    if not isinstance(new_data, dict) or new_data.get("referrals") != expected:
        raise BadRequest("referrals.yaml 的写法不是常见的格式（转介列表不在文件末尾），无法自动追加。请在服务器上手工添加，或联系技术人员。")
    return new.encode("utf-8")


def _referral_list(content: bytes) -> list:
    """The referrals in the file's bytes as plain data (read with the checks' own limits); [] if none."""
    data = read_yaml_text(content, [], REFERRALS)[0]
    found = data.get("referrals") if isinstance(data, dict) else None
    return found if isinstance(found, list) else []


def add_referral(
    db: sqlite_utils.Database,
    folder: str | Path,
    draft: ReferralDraft,
    who: str,
    question: str | None = None,
    thresholds: Thresholds | None = None,
) -> int:
    """Append a referral to `referrals.yaml` and record it as a knowledge version; returns that version.

    Written atomically, only if the whole knowledge with it passes `assistant kb check`, and only if
    it does what it is for: `question` (the row's wording) is then referred by it, and no example
    question of the office's own items is (a keyword like 车位 would send the office's own questions
    away). Either failure is a `BadRequest` naming the question; nothing is written.
    """
    folder = Path(folder)
    t = thresholds or Thresholds()
    base = read_files(folder)
    known = {r.get("id") for r in _referral_list(base.get(REFERRALS, b"")) if isinstance(r, dict)}
    referral_id = "fix-" + hashlib.sha256(draft.topic.encode("utf-8")).hexdigest()[:8]
    while referral_id in known:
        referral_id += "-1"
    day = datetime.now(OFFICE_TZ).date().isoformat()
    note = f"{who} 于 {day} 在“待改进的问题”中添加" + (f"（群众问：{' '.join(question.split())[:60]}）" if question else "")
    content = _appended(base.get(REFERRALS, b"referrals:\n"), draft, referral_id, note)
    after = {**base, REFERRALS: content}
    errors, good = knowledge_edit.check(folder, base, after, REFERRALS)
    if errors:
        raise BadRequest("转介没有加入：" + "；".join(e["message"] for e in errors[:3]))
    if not good:  # another file is broken: what the site would serve with the referral cannot be tried
        raise BadRequest("知识库现在有错误（见管理看板的“知识库警告”），请先修正，再添加转介。")
    _check_referral_reach(load_files(folder, after), referral_id, draft, question, t)
    with immediate(db):
        disk = read_files(folder)
        if disk != base:
            raise knowledge_edit.StaleVersion(None)
        latest = knowledge_versions.latest(db)
        if latest is None or latest[1] != knowledge_versions.digest_of(disk):  # an unrecorded hand edit first
            knowledge_versions.record(db, disk, knowledge_versions.FILE, "手工修改" if latest else "", True)
        _write_atomically(folder / REFERRALS, content)
        return knowledge_versions.record(db, after, who, f"新增转介（{draft.topic}）", good)


def _check_referral_reach(
    knowledge: Knowledge, referral_id: str, draft: ReferralDraft, question: str | None, t: Thresholds
) -> None:
    def referred(text: str) -> bool:
        d = match(knowledge, text, answer_threshold=t.answer, decline_threshold=t.decline, clarify_margin=t.clarify_margin)
        return d.kind == "decline" and d.referral is not None and d.referral.id == referral_id

    if question and not referred(question):
        raise BadRequest(f"加入后，“{question}”仍不会被转介：请把问题里能指向这个话题的词写进关键词。转介没有加入。")
    flat = [clean(k).replace(" ", "") for k in draft.keywords]
    for item in knowledge.items.values():
        examples = [*item.questions, *(q for e in item.entries for q in (e.question, *e.variants))]
        for example in examples:
            cleaned = clean(example).replace(" ", "")
            if any(k and k in cleaned for k in flat) and referred(example):
                raise BadRequest(
                    f"这些关键词会把本办的问题也转走：例如“{example}”（{item.short_name}）加入后会被转介。"
                    "请换更具体的关键词。转介没有加入。"
                )


def _write_atomically(path: Path, content: bytes) -> None:
    """Replace `path` whole (a reader sees the old file or the new, never half of one)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # not *.yaml: never loaded
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
