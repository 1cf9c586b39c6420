"""CSRF protection for the staff and admin forms: a random token in the session, echoed by each form.

A page from another site can make the browser send a POST with the staff member's cookie, but it
cannot read our pages, so it cannot know the token. Templates put `{{ csrf_field() }}` in every form;
`protect(blueprint)` refuses every request to that blueprint whose token is missing or wrong with a
Chinese 400 page, except a GET or HEAD without a body: those are the only requests our views answer
without side effects. (Flask hands HEAD to the GET view, so a view must run its POST branch only for
a POST, never for "not a GET".) The public chat API is not covered: it uses no cookie at all.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Flask, request, session
from markupsafe import Markup, escape

from .errors import AssistantError

SESSION_KEY = "csrf_token"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD"})


class CSRFError(AssistantError):
    status = 400

    def __init__(self):
        super().__init__("页面已过期或无法确认来源，操作没有执行。请返回上一页，刷新后重新提交。")


def token() -> str:
    """This session's token, created on first use."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def rotate() -> None:
    """Start a new token (at login and logout), so a token seen before login is worthless after it."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)


def field() -> Markup:
    """The hidden form field that carries the token."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token())}">')


def _exempt() -> bool:
    """A GET or HEAD with no body: nothing to submit, so nothing to forge.

    A body on a GET or HEAD is a form submission in disguise (browsers never send one): it must
    carry the token like a POST, whatever the view does with it.
    """
    if request.method not in SAFE_METHODS:
        return False
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return not request.content_length and not chunked


def check() -> None:
    """Raise `CSRFError` unless the request is exempt or carries this session's token (field or header)."""
    if _exempt():
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected).encode(), sent.encode()):
        raise CSRFError()


def protect(bp: Blueprint) -> None:
    """Check the token on every unsafe request to this blueprint, before its view runs."""
    bp.before_request(check)


def init_app(app: Flask) -> None:
    """`csrf_field()` for forms, `csrf_token()` for pages whose scripts send the header instead."""
    app.jinja_env.globals["csrf_field"] = field
    app.jinja_env.globals["csrf_token"] = token
