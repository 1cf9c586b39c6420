"""The schema's history: each function is one step, applied once, in order, never edited afterwards.

Add a new decorated function to grow the schema; existing data is kept.
"""

from __future__ import annotations

import sqlite_utils

migrations = sqlite_utils.Migrations("assistant")


@migrations()
def m001_conversations(db: sqlite_utils.Database) -> None:
    """Per-conversation context, so a follow-up (那要多久？) knows what was discussed."""
    db["conversations"].create(
        {
            "id": str,
            "item_id": str,
            "candidates": str,  # JSON list of runner-up item ids, for 不是这个 / 换一个
            "pending_case_no": str,  # a case number waiting for its phone digits
            "updated_at": str,
        },
        pk="id",
    )


@migrations()
def m002_questions(db: sqlite_utils.Database) -> None:
    """Every question asked, masked, with how it was answered: the office's view of unmet needs."""
    db["questions"].create(
        {
            "id": int,
            "asked_at": str,
            "conversation_id": str,
            "question": str,
            "kind": str,
            "item_id": str,
            "score": float,
        },
        pk="id",
    )
    db["questions"].create_index(["asked_at"])
