"""Named errors with a Chinese message, translated once at each edge.

Core modules raise `AssistantError` subclasses, which carry the message shown as is and an HTTP
status (and `retry_after` where waiting helps). This module imports no Flask, so the core, the CLI
and the benchmarks load none: `web_errors.register(app)` turns these errors into `{"error": ...}`
for JSON callers and an HTML page elsewhere, and the CLI's group turns them into
`click.ClickException`. Nobody ever sees a traceback.
"""

from __future__ import annotations

import sqlite3


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


class SettingError(AssistantError, ValueError):
    """A setting's value cannot be used: the message names the variable, the value and what was expected.

    A ValueError too, so that a start-up with a bad setting fails as a malformed value always has.
    """

    def __init__(self, name: str, value: object, expected: str, default: object):
        shown = "（空）" if value == "" else f"“{value}”"
        if isinstance(default, bool):
            default = int(default)
        default_text = "" if default in ("", None) else f"（默认为 {default}）"
        super().__init__(f"设置 {name} 的值{shown}无法使用：应为{expected}{default_text}。")
