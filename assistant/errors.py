"""Named errors with a Chinese message, translated once at the edge.

Core modules raise `AssistantError` subclasses; `register(app)` turns them (and Flask's own HTTP
errors) into `{"error": ...}` for `/api/...` and an HTML page elsewhere. The CLI turns them into
`click.ClickException`. Nobody ever sees a traceback.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AssistantError(Exception):
    """An error the user can act on: `message` is shown as is, `status` is the HTTP status."""

    status = 400

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(AssistantError):
    status = 400


class PayloadTooLarge(AssistantError):
    status = 413


class NotFound(AssistantError):
    status = 404


class TooManyRequests(AssistantError):
    status = 429

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(AssistantError):
    """The database cannot take the request now (busy, read-only, disk full): try again later."""

    status = 503

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


# What SQLite says when it cannot write, and what the person is told (503 with Retry-After).
_DATABASE_TROUBLE = {
    "locked": "系统正忙，请几秒钟后再试。",
    "busy": "系统正忙，请几秒钟后再试。",
    "readonly": "系统暂时无法保存数据，请稍后再试；如一直如此，请拨打12345市民服务热线。",
    "disk is full": "系统暂时无法保存数据，请稍后再试；如一直如此，请拨打12345市民服务热线。",
    "disk i/o": "系统暂时无法保存数据，请稍后再试；如一直如此，请拨打12345市民服务热线。",
}


def database_trouble(error: sqlite3.OperationalError) -> ServiceUnavailable | None:
    """The `ServiceUnavailable` an SQLite error means for the user, or None for a programming error."""
    text = str(error).lower()
    for marker, message in _DATABASE_TROUBLE.items():
        if marker in text:
            return ServiceUnavailable(message)
    return None


class KnowledgeError(AssistantError):
    """The knowledge base cannot be loaded; `problems` lists `PATH:LINE: message` strings."""

    status = 503

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("知识库有错误，暂时无法加载：" + "；".join(str(p) for p in problems[:3]))


# Messages for Flask's own HTTP errors, so that even a 404 or 405 speaks Chinese.
HTTP_MESSAGES = {
    400: "请求格式不正确。",
    401: "请先登录。",
    403: "您没有访问这个页面的权限。",
    404: "您要找的页面不存在。",
    405: "不支持这种请求方式。",
    413: "提交的内容太大了，请精简后再试。",
    429: "操作太频繁了，请稍后再试。",
    500: "系统出了点问题，我们会尽快处理。请稍后再试，或拨打12345市民服务热线。",
}


def error_body(message: str) -> dict:
    """The one shape of every API error: `{"error": message}`."""
    return {"error": message}


# JSON callers: the public API, and the console's own JSON routes (the desk's search as you type).
JSON_PREFIXES = ("/api/", "/staff/api/", "/admin/api/")


def _wants_json() -> bool:
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
    if _wants_json():
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
