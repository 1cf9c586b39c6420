"""Who is logged in, and the access rules of the staff and admin pages, as decorators.

`login_required` sends a person without a session to the login page (remembering a local `next`),
and answers a JSON caller (`/api/...`, `/staff/api/...`, `/admin/api/...`) with 401 `{"error"}`;
`role_required("admin")` also answers a logged-in account without that role with 403. Sessions are
Flask-Login's, in the signed session cookie (HttpOnly, SameSite=Lax, Secure when configured: see
`create_app`). A signed cookie cannot be taken back, so the session keeps the account's session
version (`accounts.User.get_id`) and every request checks it: after logout, a new password or a
disable, a copy of the old cookie opens nothing.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, request, session, url_for
from flask_login import LoginManager, current_user

from . import accounts
from .web_db import get_db
from .web_errors import wants_json

login_manager = LoginManager()
# "strong": a session cookie replayed from another address or browser is dropped, not honoured.
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_id: str) -> accounts.User | None:
    """The session's account, on every request; a session that has ended is cleared, not honoured.

    Ended means: logged out, password changed or account disabled since the session began (the
    session version moved on), or the account is inactive or gone.
    """
    user = accounts.session_user(get_db(), session_id)
    if user is None:
        session.clear()
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    """What a caller without a session gets: 401 for JSON, the login page (with `next`) for people."""
    if wants_json():
        abort(401)
    return redirect(url_for("staff.login", next=_here()))


def safe_next(target: object) -> str | None:
    """`target` if it is a path on this site, else None: a login link must never lead off-site.

    Refuses absolute and scheme-relative URLs (`//evil.example`), backslashes (browsers read `/\\x`
    as `//x`) and control characters (browsers drop tabs and newlines: `/\\t/x` becomes `//x`).
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _here() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def login_required(view):
    """Only for a logged-in, active account: else 401 for JSON callers, the login page for people."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _unauthorized()
        return view(*args, **kwargs)

    return wrapped


def role_required(role: str):
    """Only for a logged-in account with `role` (an admin may do everything staff may): else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role != role and not current_user.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)

    return decorator


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
