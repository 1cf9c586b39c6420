"""The append-only audit log: which staff member searched, viewed or revealed which case, when, from where.

Rows are only ever inserted; SQLite triggers refuse updates and deletes (migration m006) and an
insert that would replace an existing row (m007: `INSERT OR REPLACE` deletes without firing m006's
delete trigger on a plain connection). Times are stored in UTC and shown in office time
(Asia/Shanghai).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlite_utils

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
