"""CSRF protection for the staff and admin forms: a random token in the session, echoed by each form.

A page from another site can make the browser send a POST with the staff member's cookie, but it
cannot read our pages, so it cannot know the token. Templates put `{{ csrf_field() }}` in every form;
`protect(blueprint)` refuses any POST, PUT, PATCH or DELETE to that blueprint whose token is missing
or wrong with a Chinese 400 page. The public chat API is not covered: it uses no cookie at all.
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
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


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


def check() -> None:
    """Raise `CSRFError` unless an unsafe request carries this session's token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected).encode(), sent.encode()):
        raise CSRFError()


def protect(bp: Blueprint) -> None:
    """Check the token on every unsafe request to this blueprint, before its view runs."""
    bp.before_request(check)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_field"] = field
