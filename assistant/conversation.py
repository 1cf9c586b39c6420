"""Per-conversation context, kept in the database so every gunicorn worker sees the same state.

A conversation remembers the last item discussed (for 那要多久？), the runner-up items (for 不是这个),
and a case number still waiting for its phone digits. Conversation ids are random tokens issued by
the server; an unknown or malformed id simply starts a new conversation.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Context:
    id: str
    item_id: str | None = None
    candidates: tuple[str, ...] = ()
    pending_case_no: str | None = None


def new_id() -> str:
    return secrets.token_urlsafe(18)


def load(db: sqlite_utils.Database, conversation_id: str | None) -> Context:
    """The stored context of `conversation_id`, or a fresh conversation when it is absent or unknown."""
    if not conversation_id or not _ID.match(conversation_id):
        return Context(new_id())
    row = next(db.query("select * from conversations where id = ?", [conversation_id]), None)
    if row is None:
        return Context(conversation_id)
    return Context(
        id=row["id"],
        item_id=row["item_id"],
        candidates=tuple(json.loads(row["candidates"] or "[]")),
        pending_case_no=row["pending_case_no"],
    )


_SAVE = """
insert into conversations (id, item_id, candidates, pending_case_no, updated_at) values (?, ?, ?, ?, ?)
on conflict(id) do update set item_id = excluded.item_id, candidates = excluded.candidates,
pending_case_no = excluded.pending_case_no, updated_at = excluded.updated_at
"""


def save(db: sqlite_utils.Database, context: Context) -> None:
    """Store the context (prepared SQL: nothing asks the schema on the way, every request)."""
    db.conn.execute(
        _SAVE,
        (
            context.id,
            context.item_id,
            json.dumps(list(context.candidates)),
            context.pending_case_no,
            datetime.now(UTC).isoformat(timespec="seconds"),
        ),
    )
