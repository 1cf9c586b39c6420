"""The append-only audit log: which staff member searched, viewed or revealed which case, when, from where.

Rows are only ever inserted; SQLite triggers refuse updates and deletes (migration m006) and an
insert that would replace an existing row (m007: `INSERT OR REPLACE` deletes without firing m006's
delete trigger on a plain connection). Times are stored in UTC and shown in office time
(Asia/Shanghai). The administrators' page reads it page by page, filtered (`audit_page`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlite_utils

from .cases import normalise_case_no
from .errors import BadRequest
from .workdays import OFFICE_TZ

ACTIONS = {
    "search": "搜索",
    "view": "查看",
    "reveal": "显示完整电话",
    # Account changes an administrator makes on /admin/users (the account concerned is in `detail`).
    "user_add": "新建账号",
    "user_disable": "停用账号",
    "user_enable": "恢复账号",
    "user_password": "重设密码",
}


def office_time(iso: str) -> str:
    """A stored UTC time in office time, to the second, as people read it: `2026-11-25 14:03:12`."""
    return datetime.fromisoformat(iso).astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Actor:
    """Who is acting and from which client address: every staff read of a case carries one."""

    user: str
    client: str


@dataclass(frozen=True)
class Entry:
    at: str
    user: str
    action: str
    case_no: str | None
    client: str | None
    detail: str | None

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def local_time(self) -> str:
        return office_time(self.at)

    def as_json(self) -> dict:
        return {
            "at": self.at,
            "user": self.user,
            "action": self.action,
            "case_no": self.case_no,
            "client": self.client,
            "detail": self.detail,
        }


def record(
    db: sqlite_utils.Database,
    actor: Actor,
    action: str,
    case_no: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> int:
    """Append one entry, committed before the caller shows anything (no read goes unrecorded); its id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = {
        "at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "user": actor.user,
        "action": action,
        "case_no": case_no,
        "client": actor.client,
        "detail": detail,
    }
    with db.conn:
        return db["audit_log"].insert(row).last_pk


def entry(db: sqlite_utils.Database, entry_id: object) -> Entry | None:
    """The entry with this id, or None (also for an id that is not a number)."""
    try:
        entry_id = int(entry_id)
    except (TypeError, ValueError):
        return None
    sql = "select at, user, action, case_no, client, detail from audit_log where id = ?"
    row = next(db.query(sql, [entry_id]), None)
    return Entry(**row) if row else None


def start_of_day(day: date) -> datetime:
    """The first moment of `day` in office time, in UTC: what "since 2026-11-25" means in the office."""
    return datetime.combine(day, time(0), OFFICE_TZ).astimezone(UTC)


def entries(
    db: sqlite_utils.Database,
    since: datetime | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[Entry]:
    """The log from `since` (all of it when None), oldest first unless `newest_first`."""
    sql = "select at, user, action, case_no, client, detail from audit_log"
    params: list = []
    if since is not None:
        sql += " where at >= ?"
        params.append(since.astimezone(UTC).isoformat(timespec="seconds"))
    sql += " order by at desc, id desc" if newest_first else " order by at, id"
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    return [Entry(**row) for row in db.query(sql, params)]


# ---------------------------------------------------------------- the log, page by page


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
    if action is not None and action not in ACTIONS:
        raise BadRequest("没有这种操作类型，请从列表中选择。")
    since, until = day("since", "开始日期"), day("until", "结束日期")
    if since and until and until < since:
        raise BadRequest("结束日期早于开始日期，请重新选择。")
    case_no = text("case_no")
    return AuditFilter(text("user"), action, normalise_case_no(case_no) if case_no else None, since, until)


@dataclass(frozen=True)
class AuditPage:
    entries: list[Entry]
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
        params.append(start_of_day(filters.since).isoformat(timespec="seconds"))
    if filters.until:
        where.append("at < ?")
        params.append(start_of_day(filters.until + timedelta(days=1)).isoformat(timespec="seconds"))
    condition = f" where {' and '.join(where)}" if where else ""
    total = db.execute(f"select count(*) from audit_log{condition}", params).fetchone()[0]
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.query(
        f"select at, user, action, case_no, client, detail from audit_log{condition} "
        "order by at desc, id desc limit ? offset ?",
        [*params, per_page, (page - 1) * per_page],
    )
    return AuditPage([Entry(**r) for r in rows], total, page, pages)


def audit_users(db: sqlite_utils.Database) -> list[str]:
    """Everyone who appears in the audit log, for the page's filter."""
    return [u for (u,) in db.execute("select distinct user from audit_log order by user collate nocase").fetchall()]
