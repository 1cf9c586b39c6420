"""Response headers that keep the pages safe even if something slips: no inline script runs, no
framing by strangers, no MIME sniffing, no referrer leaking a case number to another site.

The chat page loads only its own script and style files, so a strict Content-Security-Policy costs
nothing; it is the second wall behind render.js, which never uses innerHTML.

Framing: no page may be framed, except the public pages a view marks `@embeddable` (the chat and the
privacy notice) and only by the sites listed in `EMBED_ORIGINS` (the office's own website, which
carries static/widget.js). Those pages then name the listed origins in CSP `frame-ancestors` and send
no `X-Frame-Options: DENY`, which would override it in browsers that honour both. Staff and admin
pages are never marked, so they are never frameable whatever the setting says (no clickjacking of a
logged-in clerk).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, Response, request

_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; form-action 'self'; object-src 'none'"
)

HEADERS = {
    "Content-Security-Policy": _POLICY.format(ancestors="'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

# scheme://host[:port], nothing else: no path, no wildcard, no quote or semicolon that could smuggle
# another directive into the policy.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN = re.compile(rf"https?://(?:{_LABEL}\.)*{_LABEL}(?::[0-9]{{1,5}})?")


def embed_origins(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The origins of an `EMBED_ORIGINS` setting, lower-cased, in order, without duplicates.

    Accepts a space-separated string (the environment variable) or a list; a trailing slash is
    forgiven. Raises ValueError, in Chinese, naming the first entry that is not an origin, so a
    mistyped setting stops the start instead of silently opening or closing the door.
    """
    if value is None:
        return ()
    parts = value.split() if isinstance(value, str) else [str(v).strip() for v in value]
    origins: list[str] = []
    for part in parts:
        origin = part.lower().rstrip("/")
        if not _ORIGIN.fullmatch(origin):
            raise ValueError(
                f"EMBED_ORIGINS 中的“{part}”不是网站来源：应写成 https://www.example.gov.cn 这样的形式"
                "（协议、域名和可选的端口，不带路径），多个来源用空格分隔"
            )
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


def frame_policy(origins: tuple[str, ...]) -> str:
    """The Content-Security-Policy of an embeddable page: framed only by `origins` (none when empty)."""
    return _POLICY.format(ancestors=" ".join(origins) if origins else "'none'")


def embeddable(view: Callable) -> Callable:
    """Mark a public view as one the office's website may frame (when `EMBED_ORIGINS` lists it)."""
    view.embeddable = True
    return view


def init_app(app: Flask) -> None:
    origins = embed_origins(app.config.get("EMBED_ORIGINS"))  # a malformed setting stops the start
    app.config["EMBED_ORIGINS"] = " ".join(origins)
    embedded = dict(HEADERS, **{"Content-Security-Policy": frame_policy(origins)})
    del embedded["X-Frame-Options"]  # it would override frame-ancestors and refuse every framer

    @app.after_request
    def _secure(response: Response) -> Response:
        view = app.view_functions.get(request.endpoint or "")
        headers = embedded if origins and getattr(view, "embeddable", False) else HEADERS
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "application/json":
            response.headers.setdefault("Cache-Control", "no-store")  # case details stay out of caches
        return response
