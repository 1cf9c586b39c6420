"""What the window staff see of cases: search, full detail, and the contact phone on request.

Every function that reads a case for a person takes an `audit.Actor` and writes the audit entry
itself, before returning anything, so no caller can forget it. The phone is masked everywhere
except in the one detail shown right after a `reveal`, against that reveal's audit entry;
free-text notes pass through `mask_text`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlite_utils
from rapidfuzz import fuzz, process

from . import audit
from .cases import STATUSES, CaseView, case_reminders, normalise_case_no, view
from .errors import BadRequest, NotFound
from .knowledge import Knowledge
from .privacy import mask_phone, mask_text
from .workdays import office_today

MAX_QUERY_CHARS = 100
MAX_RESULTS = 50


@dataclass(frozen=True)
class CaseSummary:
    """One line of the search results."""

    case_no: str
    item_name: str
    applicant: str
    project_name: str | None
    status_label: str
    phone: str  # masked
    submitted_at: str
    demo: bool


@dataclass(frozen=True)
class SearchResult:
    query: str
    exact: str | None  # the case number, when the query was one: the console goes straight to it
    cases: list[CaseSummary]
    more: bool  # more than MAX_RESULTS matched: ask for a narrower query


@dataclass(frozen=True)
class StaffCase:
    """A case as the window sees it: the applicant's view plus who applied and the staff notes.

    `step` and `next_step` are said to staff (the applicant is 申请人); `view` keeps the applicant's
    own wording (您), for the chat and for the reminder texts staff send on.
    """

    view: CaseView
    applicant: str
    project_name: str | None
    phone: str  # masked
    full_phone: str | None  # only right after a reveal (audited as such)
    notes: str | None  # masked free text
    imported_at: str | None

    @property
    def step(self) -> str:
        return STATUSES[self.view.status].staff_step

    @property
    def next_step(self) -> str:
        return STATUSES[self.view.status].staff_next


@dataclass(frozen=True)
class Reveal:
    """A reveal of a case's full phone, audited: the detail page shows the phone against `entry_id`."""

    case_no: str
    entry_id: int


# How long after the reveal its page may show the full phone: the redirect that follows the POST
# takes a moment; a copy of the session cookie replayed later gets the masked phone.
REVEAL_SHOWN_FOR = timedelta(minutes=1)


def _item_name(knowledge: Knowledge, item_id: str) -> str:
    item = knowledge.items.get(item_id)
    return item.name if item else item_id


def _summary(knowledge: Knowledge, row: dict) -> CaseSummary:
    status = STATUSES.get(row["status"])
    return CaseSummary(
        case_no=row["case_no"],
        item_name=_item_name(knowledge, row["item_id"]),
        applicant=row["applicant"],
        project_name=row.get("project_name"),
        status_label=status.label if status else row["status"],
        phone=mask_phone(row["contact_phone"]),
        submitted_at=row["submitted_at"],
        demo=bool(row.get("demo")),
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(
    db: sqlite_utils.Database, knowledge: Knowledge, query: object, actor: audit.Actor
) -> SearchResult | None:
    """Cases whose number is exactly `query`, else whose applicant or project name contains it.

    None for an empty query (nothing searched, nothing audited); `BadRequest` for one too long. Every
    search is audited with its (masked) query, and with the case number when it matched one exactly.
    """
    text = unicodedata.normalize("NFKC", query).strip() if isinstance(query, str) else ""
    if not text:
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"搜索内容太长了，请精简到{MAX_QUERY_CHARS}个字以内。")
    case_no = normalise_case_no(text)
    row = next(db.query("select * from cases where case_no = ?", [case_no]), None)
    if row is not None:
        audit.record(db, actor, "search", case_no=case_no, detail=mask_text(text))
        return SearchResult(text, case_no, [_summary(knowledge, row)], False)
    rows = list(
        db.query(
            "select * from cases where applicant like :q escape '\\' or project_name like :q escape '\\' "
            "order by submitted_at desc, case_no limit :limit",
            {"q": _like(text), "limit": MAX_RESULTS + 1},
        )
    )
    audit.record(db, actor, "search", detail=mask_text(text))
    found = [_summary(knowledge, r) for r in rows[:MAX_RESULTS]]
    return SearchResult(text, None, found, len(rows) > MAX_RESULTS)


def redisplay(
    db: sqlite_utils.Database, knowledge: Knowledge, query: str, case_nos: list[str], more: bool
) -> SearchResult:
    """The result of an earlier, audited `search`, shown again: only the cases it found, none other.

    Not audited again: it searches nothing. The console keeps the last search in the session so that
    the back button and the nav link show the list again without a second search.
    """
    case_nos = [str(c) for c in case_nos][:MAX_RESULTS]
    marks = ", ".join("?" for _ in case_nos)
    found = db.query(f"select * from cases where case_no in ({marks})", case_nos) if case_nos else []
    rows = {r["case_no"]: r for r in found}
    return SearchResult(query, None, [_summary(knowledge, rows[c]) for c in case_nos if c in rows], more)


def _case_row(db: sqlite_utils.Database, case_no: str) -> dict:
    row = next(db.query("select * from cases where case_no = ?", [case_no]), None)
    if row is None:
        raise NotFound(f"没有找到办件 {case_no}，请核对办件编号。")
    return row


def reveal(db: sqlite_utils.Database, case_no: str, actor: audit.Actor) -> Reveal:
    """Record that `actor` asks for the full phone of a case; `NotFound` (nothing audited) if unknown.

    Gives back the audit entry, not the phone: the console redirects to the case page
    (post/redirect/get), whose `detail(revealed_by=...)` shows the phone once against this entry,
    so reloading that page writes no second reveal.
    """
    case_no = normalise_case_no(case_no)
    _case_row(db, case_no)
    return Reveal(case_no, audit.record(db, actor, "reveal", case_no=case_no, detail="完整联系电话"))


def _shows_phone(db: sqlite_utils.Database, entry_id: object, case_no: str, actor: audit.Actor, now: datetime) -> bool:
    """Whether `entry_id` is this actor's fresh reveal of this very case."""
    entry = audit.entry(db, entry_id)
    return (
        entry is not None
        and entry.action == "reveal"
        and entry.case_no == case_no
        and entry.user == actor.user
        and now - datetime.fromisoformat(entry.at) <= REVEAL_SHOWN_FOR
    )


def detail(
    db: sqlite_utils.Database,
    knowledge: Knowledge,
    case_no: str,
    actor: audit.Actor,
    revealed_by: object = None,
    now: datetime | None = None,
) -> StaffCase:
    """Everything about one case, `NotFound` for an unknown number.

    The phone is masked and the read audited as a view. With `revealed_by`, the id of a `reveal`
    entry this actor wrote for this case within `REVEAL_SHOWN_FOR`, the full phone is included
    and nothing more is audited: that entry is this page's. Any other `revealed_by` is ignored.
    """
    case_no = normalise_case_no(case_no)
    row = _case_row(db, case_no)
    shown = revealed_by is not None and _shows_phone(db, revealed_by, case_no, actor, now or datetime.now(UTC))
    if not shown:
        audit.record(db, actor, "view", case_no=case_no)
    return StaffCase(
        view=view(knowledge, row, db),
        applicant=row["applicant"],
        project_name=row.get("project_name"),
        phone=mask_phone(row["contact_phone"]),
        full_phone=row["contact_phone"] if shown else None,
        notes=mask_text(row["notes"]) if row.get("notes") else None,
        imported_at=row.get("imported_at"),
    )


# ---------------------------------------------------------------- the desk: a case from a fragment

# How far the deadline filter looks ahead, in working days, when the desk asks for "due soon".
DUE_WITHIN = 3
DEADLINE_FILTERS = {"overdue": "已超期", "due": f"{DUE_WITHIN}个工作日内到期"}
# Fuzzy name matching (a typo in an applicant's name): how alike a name must be (rapidfuzz, 0–100).
NAME_SIMILARITY = 80
MAX_NAME_CHARS = 20
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class DeskCase:
    """One case in the desk's list: the summary plus its nearest deadline, if any."""

    summary: CaseSummary
    deadline: str | None  # e.g. "补正截止：已超过2个工作日"
    overdue: bool

    def as_json(self) -> dict:
        s = self.summary
        return {
            "case_no": s.case_no,
            "applicant": s.applicant,
            "project_name": s.project_name,
            "item_name": s.item_name,
            "status": s.status_label,
            "phone": s.phone,
            "submitted_at": s.submitted_at[:10],
            "deadline": self.deadline,
            "overdue": self.overdue,
            "demo": s.demo,
        }


def find(
    db: sqlite_utils.Database,
    knowledge: Knowledge,
    query: object,
    actor: audit.Actor,
    status: str | None = None,
    deadline: str | None = None,
    today: date | None = None,
) -> list[DeskCase] | None:
    """Cases a clerk means by a fragment, narrowed by status and deadline; None when nothing was asked.

    The fragment may be part of a case number (DEMO-001), the last four digits or the whole contact
    phone (with spaces, dashes or +86), or part of the applicant's or project's name — with a typo
    too (fuzzy, when nothing matches as typed). `deadline` is "overdue" or "due" (within
    `DUE_WITHIN` working days). Every search, even one that finds nothing, is audited with its masked
    query and filters before anything is returned.
    """
    text = unicodedata.normalize("NFKC", query).strip() if isinstance(query, str) else ""
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"搜索内容太长了，请精简到{MAX_QUERY_CHARS}个字以内。")
    if status is not None and status not in STATUSES:
        raise BadRequest("办件状态不正确，请从列表中选择。")
    if deadline is not None and deadline not in DEADLINE_FILTERS:
        raise BadRequest("期限筛选不正确，请从列表中选择。")
    if not text and status is None and deadline is None:
        return None
    today = today or office_today()
    rows = _fragment_rows(db, text) if text else _all_rows(db, status)
    found = []
    for row in rows:
        if status is not None and row["status"] != status:
            continue
        name = _item_name(knowledge, row["item_id"])
        reminders = case_reminders(row, name, knowledge.calendar, today)
        soonest = reminders[0] if reminders else None
        overdue = bool(soonest and soonest.working_days_left < 0)
        if deadline == "overdue" and not overdue:
            continue
        if deadline == "due" and not (soonest and soonest.working_days_left <= DUE_WITHIN):
            continue
        label = None
        if soonest:
            kind = "补正截止" if soonest.kind == "supplement" else "预计办结"
            label = f"{kind}：{soonest.due:%Y-%m-%d}（{_left(soonest.working_days_left)}）"
        found.append(DeskCase(_summary(knowledge, row), label, overdue))
        if len(found) >= MAX_RESULTS:
            break
    filters = "；".join(x for x in (status and f"状态={status}", deadline and f"期限={deadline}") if x)
    audit.record(db, actor, "search", detail="；".join(x for x in (mask_text(text), filters) if x))
    return found


def _left(days: int) -> str:
    return f"还有{days}个工作日" if days > 0 else "今天到期" if days == 0 else f"已超过{-days}个工作日"


def _all_rows(db: sqlite_utils.Database, status: str | None) -> list[dict]:
    """Open (or the given status's) cases, newest first: a filter without a fragment."""
    if status is not None:
        sql, params = "select * from cases where status = ? order by submitted_at desc limit 2000", [status]
    else:
        open_codes = [code for code, s in STATUSES.items() if s.open]
        marks = ", ".join("?" for _ in open_codes)
        sql, params = f"select * from cases where status in ({marks}) order by submitted_at desc limit 2000", open_codes
    return list(db.query(sql, params))


def _fragment_rows(db: sqlite_utils.Database, text: str) -> list[dict]:
    """Rows matching the fragment as typed; failing that, names within a typo of it."""
    digits = "".join(_DIGITS.findall(text))
    rows: dict[str, dict] = {}
    if len(digits) >= 4 and len(digits) >= len(text.replace(" ", "").replace("-", "").replace("+", "")) - 1:
        # A phone number, whole or its last four digits: +86 and separators do not count.
        national = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
        for row in db.query("select * from cases where phone_last4 = ? limit 500", [national[-4:]]):
            if "".join(_DIGITS.findall(row["contact_phone"] or "")).endswith(national):
                rows[row["case_no"]] = row
    like = {"q": _like(text), "no": _like(text.upper()), "limit": MAX_RESULTS * 4}
    for row in db.query(
        "select * from cases where case_no like :no escape '\\' or applicant like :q escape '\\' "
        "or project_name like :q escape '\\' order by submitted_at desc, case_no limit :limit",
        like,
    ):
        rows.setdefault(row["case_no"], row)
    if not rows and 2 <= len(text) <= MAX_NAME_CHARS:  # a whole question is not a misspelt name
        rows = {r["case_no"]: r for r in _similar_names(db, text)}
    return sorted(rows.values(), key=lambda r: (r["submitted_at"], r["case_no"]), reverse=True)


def _similar_names(db: sqlite_utils.Database, text: str) -> list[dict]:
    """Cases whose applicant or project name is within a typo of `text` (rapidfuzz partial ratio)."""
    names = {
        name
        for row in db.query("select distinct applicant as name from cases union select distinct project_name from cases")
        if (name := row["name"])
    }
    close = [name for name, _score, _i in process.extract(
        text, list(names), scorer=fuzz.partial_ratio, score_cutoff=NAME_SIMILARITY, limit=MAX_RESULTS
    )]
    if not close:
        return []
    marks = ", ".join("?" for _ in close)
    return list(db.query(
        f"select * from cases where applicant in ({marks}) or project_name in ({marks}) limit {MAX_RESULTS * 4}",
        [*close, *close],
    ))
