"""Errors at the web edge: every exception becomes `{"error": ...}` for JSON callers, a page for people.

The exception classes live in `errors.py` and know nothing of HTTP beyond their status; this module
is the one place that turns them (and Flask's own HTTP errors, and SQLite's "database is busy")
into responses, in Chinese, never a stack trace. `wants_json()` is the one rule for who reads JSON:
`auth.py` asks it too, so a logged-out caller gets the same kind of answer as any other error.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from .errors import HTTP_MESSAGES, AssistantError, database_trouble, error_body

log = logging.getLogger(__name__)

# JSON callers: the public API, and the console's own JSON routes (the desk's search as you type).
JSON_PREFIXES = ("/api/", "/staff/api/", "/admin/api/")


def wants_json() -> bool:
    """API callers and monitoring (`/healthz`) read JSON; people get a page."""
    return request.path.startswith(JSON_PREFIXES) or request.path == "/healthz"


def _in_console() -> bool:
    return request.path.startswith(("/staff", "/admin"))


def _page(message: str, status: int) -> str:
    """The error page; inside the console, with the console's header like every other staff page.

    The header asks who is logged in, which needs the database: should that fail too (a 500 from
    a broken database), the plain page is shown instead of none.
    """
    if _in_console():
        try:
            return render_template("error.html", message=message, status=status, layout="staff/layout.html")
        except Exception:
            log.exception("the console's error page failed on %s; showing the plain one", request.path)
    return render_template("error.html", message=message, status=status, layout=None)


def _respond(message: str, status: int):
    if wants_json():
        return jsonify(error_body(message)), status
    return _page(message, status), status


def register(app: Flask) -> None:
    """Install the handlers that turn every error into a Chinese message, never a stack trace."""

    app.json = _JSONProvider(app)

    @app.errorhandler(AssistantError)
    def _assistant_error(error: AssistantError):
        response = _respond(error.message, error.status)
        if getattr(error, "retry_after", None):
            response[0].headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(sqlite3.OperationalError)
    def _database_error(error: sqlite3.OperationalError):
        trouble = database_trouble(error)
        if trouble is None:
            return _unexpected(error)
        log.warning("database unavailable on %s: %s", request.path, error)
        return _assistant_error(trouble)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, HTTP_MESSAGES[500])
        response = _respond(message, status)
        if status == 429 and getattr(error, "retry_after", None):
            response[0].headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s", request.path)
        return _respond(HTTP_MESSAGES[500], 500)


class _JSONProvider(DefaultJSONProvider):
    """Flask's JSON, non-ASCII kept as is, and a body nested too deeply for the parser (thousands of
    brackets) read as invalid JSON — a 400 in Chinese — instead of a RecursionError and a 500."""

    ensure_ascii = False

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as e:
            raise ValueError("JSON nested too deeply") from e
