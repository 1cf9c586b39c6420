"""Accounts of the window staff and administrators: creation, password checks, failed-login limits.

Passwords are stored only as salted scrypt hashes (`passwords.py`, in werkzeug's format). A login
attempt with an unknown name and one with a wrong password get the very same message and take the
same time, so nobody can probe which names exist. Failed attempts are recorded in the database
(shared by every gunicorn worker): after too many for one name, or from one client, logins are
refused for a while, even with the right password. Each account has a session version: a session
carries the version it was started under, and logout, a new password or disabling the account bump
it, which ends every session started before. No Flask and no click here: the CLI and the views
share this module.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import sqlite_utils

from .db import immediate
from .errors import AssistantError, BadRequest, TooManyRequests
from .passwords import check_password, hash_password
from .settings import default

ROLES = {"staff": "窗口人员", "admin": "管理员"}
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256  # hashing is deliberately slow: refuse novels
MAX_NAME_CHARS = 32
FAILURES_PER_NAME = 5
FAILURES_PER_CLIENT = 20  # one address trying many names

LOGIN_FAILED = "用户名或密码不正确，请重新输入。"
LOGIN_LOCKED = "登录失败次数过多，为保护账号安全，请{minutes}分钟后再试。"


class AccountError(BadRequest):
    """An account cannot be created as asked (duplicate name, unknown role, short password)."""


class LoginFailed(AssistantError):
    status = 401


@dataclass(frozen=True)
class User:
    """A staff or admin account, shaped as Flask-Login expects (without importing it)."""

    id: int
    name: str
    role: str
    created_at: str
    active: bool = True
    session_version: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    # Flask-Login's user interface
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session keeps: the id and the session version it was started under (`3.0`).

        Flask-Login stores this at login and hands it back to the user loader on every request,
        which gives the account only through `session_user`: a bumped version ends the session.
        """
        return f"{self.id}.{self.session_version}"


def _user(row: dict) -> User:
    return User(
        row["id"], row["name"], row["role"], row["created_at"], bool(row["active"]), row["session_version"]
    )


def normalise_name(name: str) -> str:
    """Names compare after width folding and trimming: `ｗａｎｇ ` is `wang` (letter case aside)."""
    return unicodedata.normalize("NFKC", name).strip()


def _now(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).isoformat(timespec="seconds")


def create_user(
    db: sqlite_utils.Database, name: str, role: str, password: str, now: datetime | None = None
) -> User:
    """A new active account; `AccountError` (in Chinese) for a bad or taken name, unknown role, bad password."""
    name = normalise_name(name)
    if not name or len(name) > MAX_NAME_CHARS or any(c.isspace() or not c.isprintable() for c in name):
        raise AccountError(f"用户名应为1至{MAX_NAME_CHARS}个字符，不能包含空格。")
    if role not in ROLES:
        raise AccountError("角色只能是 staff（窗口人员）或 admin（管理员）。")
    _check_password(password)
    if find_user(db, name) is not None:
        raise AccountError(f"用户名“{name}”已经存在，请换一个。")
    row = {
        "name": name,
        "role": role,
        "password_hash": hash_password(password),
        "created_at": _now(now),
        "active": 1,
    }
    try:
        with db.conn:
            pk = db["users"].insert(row).last_pk
    except sqlite3.IntegrityError as e:  # created by someone else in the meantime
        raise AccountError(f"用户名“{name}”已经存在，请换一个。") from e
    return get_user(db, pk)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"密码太短了：至少需要{MIN_PASSWORD_CHARS}个字符。")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"密码太长了：最多{MAX_PASSWORD_CHARS}个字符。")


def _existing(db: sqlite_utils.Database, name: str) -> User:
    user = find_user(db, name)
    if user is None:
        raise AccountError(f"没有名为“{normalise_name(name)}”的账号。")
    return user


_BUMP = "update users set session_version = session_version + 1 where id = ?"


def set_password(db: sqlite_utils.Database, name: str, password: str) -> User:
    """Give the account `name` a new password (a forgotten one is replaced, never shown).

    Every open session of the account ends: whoever knew the old password may have used it.
    """
    user = _existing(db, name)
    _check_password(password)
    with db.conn:
        db["users"].update(user.id, {"password_hash": hash_password(password)})
        db.execute(_BUMP, [user.id])
    return get_user(db, user.id)


def set_active(db: sqlite_utils.Database, name: str, active: bool) -> User:
    """Stop (or restore) an account; stopping it ends its open sessions for good.

    Enabling it again does not revive them: the account logs in afresh.
    """
    user = _existing(db, name)
    with db.conn:
        db["users"].update(user.id, {"active": int(active)})
        if not active:
            db.execute(_BUMP, [user.id])
    return get_user(db, user.id)


def end_sessions(db: sqlite_utils.Database, user_id: int) -> None:
    """End every session of the account (logout): a copy of the session cookie opens nothing after it.

    Sessions live in signed cookies, which the server cannot take back; bumping the version they
    were started under is what makes them worthless. All of the account's sessions end, in every
    browser: a clerk who logs out on the shared counter PC is logged out everywhere.
    """
    with db.conn:
        db.execute(_BUMP, [user_id])


def session_user(db: sqlite_utils.Database, session_id: object) -> User | None:
    """The account a session belongs to (`User.get_id()`), or None when the session has ended.

    None for a malformed id (as a session from before session versions carries), an unknown or
    inactive account, and a session started under an older session version.
    """
    user_id, _, version = str(session_id).partition(".")
    user = get_user(db, user_id)
    if user is None or not user.is_active or version != str(user.session_version):
        return None
    return user


def get_user(db: sqlite_utils.Database, user_id: object) -> User | None:
    """The account with this id, or None (also for a malformed id, as a stale session may carry)."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    row = next(db.query("select * from users where id = ?", [user_id]), None)
    return _user(row) if row else None


def find_user(db: sqlite_utils.Database, name: str) -> User | None:
    row = next(db.query("select * from users where name = ? collate nocase", [normalise_name(name)]), None)
    return _user(row) if row else None


def list_users(db: sqlite_utils.Database) -> list[User]:
    return [_user(r) for r in db.query("select * from users order by created_at, id")]


@cache
def _decoy_hash() -> str:
    """A hash to check unknown names against, so that they take as long as a wrong password."""
    return hash_password("decoy password that matches nothing")


def _failures(db: sqlite_utils.Database, column: str, value: str, since: str) -> int:
    sql = f"select count(*) from login_failures where {column} = ? collate nocase and failed_at > ?"
    return db.execute(sql, [value, since]).fetchone()[0]


def authenticate(
    db: sqlite_utils.Database,
    name: object,
    password: object,
    client: str,
    now: datetime | None = None,
    lockout_minutes: int = default("LOCKOUT_MINUTES"),
) -> User:
    """The active account with this name and password.

    Raises `TooManyRequests` while the name (or the client) has failed too often in the last
    `lockout_minutes` (the LOCKOUT_MINUTES setting) — checked first, so even the right password is refused while locked — and otherwise
    `LoginFailed` with one message for every kind of failure: unknown name, wrong password,
    deactivated account, empty fields.
    """
    name = normalise_name(name) if isinstance(name, str) else ""
    password = password if isinstance(password, str) else ""
    now = now or datetime.now(UTC)
    since = (now - timedelta(minutes=lockout_minutes)).isoformat(timespec="seconds")
    key = name[:MAX_NAME_CHARS * 2]
    # Count and record in one transaction: the attempt is written down as a failure before the
    # password is checked, so that concurrent attempts see each other and no more than
    # FAILURES_PER_NAME are ever checked. A right password takes its failures back below. The
    # slow hash runs after the commit, so it never holds the write lock.
    with immediate(db):  # the failures counted stay true until this one is recorded
        if (
            _failures(db, "name", key, since) >= FAILURES_PER_NAME
            or _failures(db, "client", client, since) >= FAILURES_PER_CLIENT
        ):
            raise TooManyRequests(LOGIN_LOCKED.format(minutes=lockout_minutes))
        db.execute("delete from login_failures where failed_at < ?", [since])  # forget old ones
        db.execute(
            "insert into login_failures (name, client, failed_at) values (?, ?, ?)", [key, client, _now(now)]
        )
    row = next(db.query("select * from users where name = ? collate nocase", [name]), None) if name else None
    hashed = row["password_hash"] if row else _decoy_hash()
    ok = check_password(hashed, password[:MAX_PASSWORD_CHARS]) and len(password) <= MAX_PASSWORD_CHARS
    if not (ok and row is not None and row["active"]):
        raise LoginFailed(LOGIN_FAILED)
    with db.conn:
        db.execute("delete from login_failures where name = ? collate nocase", [name])
    return _user(row)
