"""What the window staff see of cases: search, full detail, and the contact phone on request.

Every function that reads a case for a person takes an `audit.Actor` and writes the audit entry
itself, before returning anything, so no caller can forget it. The phone is masked everywhere
except in a detail asked for with `reveal`, audited as a reveal; free-text notes pass through
`mask_text`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlite_utils

from . import audit
from .cases import STATUSES, CaseView, normalise_case_no, view
from .errors import BadRequest, NotFound
from .knowledge import Knowledge
from .privacy import mask_phone, mask_text

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
    """A case as the window sees it: the applicant's view plus who applied and the staff notes."""

    view: CaseView
    applicant: str
    project_name: str | None
    phone: str  # masked
    full_phone: str | None  # only when revealed (and audited as such)
    notes: str | None  # masked free text
    imported_at: str | None


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


def detail(
    db: sqlite_utils.Database, knowledge: Knowledge, case_no: str, actor: audit.Actor, reveal: bool = False
) -> StaffCase:
    """Everything about one case, `NotFound` for an unknown number.

    The phone is masked and the read audited as a view; with `reveal`, the full phone is included
    and the read audited as a reveal instead (one entry per page shown).
    """
    case_no = normalise_case_no(case_no)
    row = next(db.query("select * from cases where case_no = ?", [case_no]), None)
    if row is None:
        raise NotFound(f"没有找到办件 {case_no}，请核对办件编号。")
    if reveal:
        audit.record(db, actor, "reveal", case_no=case_no, detail="完整联系电话")
    else:
        audit.record(db, actor, "view", case_no=case_no)
    return StaffCase(
        view=view(knowledge, row, db),
        applicant=row["applicant"],
        project_name=row.get("project_name"),
        phone=mask_phone(row["contact_phone"]),
        full_phone=row["contact_phone"] if reveal else None,
        notes=mask_text(row["notes"]) if row.get("notes") else None,
        imported_at=row.get("imported_at"),
    )
