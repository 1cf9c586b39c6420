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


@migrations()
def m003_cases(db: sqlite_utils.Database) -> None:
    """The copy of the approval system's applications (办件), their status history, failed look-ups."""
    db["cases"].create(
        {
            "case_no": str,
            "item_id": str,
            "applicant": str,
            "contact_phone": str,  # kept for staff; never shown in full, never sent to the applicant
            "phone_last4": str,  # the applicant's proof of ownership
            "project_name": str,
            "status": str,
            "submitted_at": str,
            "updated_at": str,
            "missing_materials": str,  # JSON list
            "supplement_due": str,  # ISO date
            "due_date": str,  # ISO date, given by the import or computed from promised working days
            "due_date_computed": int,
            "notes": str,
            "demo": int,  # 1 for the demo cases `make run` starts with
            "imported_at": str,
        },
        pk="case_no",
        not_null={"item_id", "applicant", "contact_phone", "phone_last4", "status", "submitted_at"},
    )
    db["cases"].create_index(["due_date"])
    db["cases"].create_index(["supplement_due"])
    db["case_history"].create(
        {"id": int, "case_no": str, "status": str, "changed_at": str, "recorded_at": str, "source": str},
        pk="id",
        foreign_keys=[("case_no", "cases", "case_no")],
    )
    db["case_history"].create_index(["case_no"])
    db["lookup_failures"].create({"id": int, "case_no": str, "client": str, "failed_at": str}, pk="id")
    db["lookup_failures"].create_index(["case_no", "failed_at"])
    db["lookup_failures"].create_index(["client", "failed_at"])


@migrations()
def m004_reminder_indexes(db: sqlite_utils.Database) -> None:
    """Reminders look for open cases by status and deadline: index both together (100k cases: 4x faster)."""
    db["cases"].create_index(["status", "due_date"])
    db["cases"].create_index(["status", "supplement_due"])


@migrations()
def m005_users(db: sqlite_utils.Database) -> None:
    """Window staff and administrators, and their failed logins (shared by every worker, like look-ups)."""
    db["users"].create(
        {
            "id": int,
            "name": str,
            "role": str,  # "staff" or "admin"
            "password_hash": str,  # werkzeug.security: scrypt with a per-password salt
            "created_at": str,
            "active": int,  # 0: the account may no longer log in; kept so the audit log keeps its meaning
        },
        pk="id",
        not_null={"name", "role", "password_hash", "created_at", "active"},
        defaults={"active": 1},
    )
    # One account per name, whatever the letter case: "Admin" and "admin" are the same person.
    db.execute("create unique index idx_users_name on users (name collate nocase)")
    db["login_failures"].create({"id": int, "name": str, "client": str, "failed_at": str}, pk="id")
    db["login_failures"].create_index(["name", "failed_at"])
    db["login_failures"].create_index(["client", "failed_at"])


@migrations()
def m006_audit_log(db: sqlite_utils.Database) -> None:
    """Who searched, viewed or revealed which case, when, from where. Append-only, enforced by SQLite."""
    db["audit_log"].create(
        {
            "id": int,
            "at": str,  # UTC, ISO 8601 to the second
            "user": str,  # the account's name, so the record stays readable whatever happens to the account
            "action": str,  # "view", "reveal" or "search"
            "case_no": str,
            "client": str,  # the caller's address
            "detail": str,  # the search query (masked), or what was revealed
        },
        pk="id",
        not_null={"at", "user", "action"},
    )
    db["audit_log"].create_index(["at"])
    db["audit_log"].create_index(["case_no"])
    for verb in ("update", "delete"):
        db.execute(
            f"create trigger audit_log_no_{verb} before {verb} on audit_log "
            "begin select raise(abort, 'the audit log is append-only'); end"
        )


@migrations()
def m007_console_hardening(db: sqlite_utils.Database) -> None:
    """Sessions that end for good, and an audit log that `INSERT OR REPLACE` cannot rewrite.

    `users.session_version` is copied into a session at login and compared on every request; it is
    bumped at logout, at a new password and when the account is disabled, so every session started
    before then is worthless, even after the account is enabled again.

    REPLACE removes the row it collides with without firing delete triggers unless the connection
    has turned recursive triggers on (sqlite-utils does; the sqlite3 shell does not), so m006's
    triggers alone do not stop it: an insert that reuses an existing id is refused before it starts.
    """
    db["users"].add_column("session_version", int, not_null_default=0)
    db.execute(
        "create trigger audit_log_no_replace before insert on audit_log "
        "when exists (select 1 from audit_log where id = new.id) "
        "begin select raise(abort, 'the audit log is append-only'); end"
    )


@migrations()
def m008_callbacks(db: sqlite_utils.Database) -> None:
    """Callback requests (转人工 / 留言), and the submissions per client that the rate limit counts."""
    db["callbacks"].create(
        {
            "id": int,
            "reference": str,  # what the citizen reads out or sends in the chat: 482-917-305
            "created_at": str,  # UTC, ISO 8601 to the second
            "name": str,  # masked free text
            "phone": str,  # in full, normalised (13812345678, 021-61234567): needed to call back
            "question": str,  # masked free text
            "preferred_time": str,  # masked free text
            "conversation_id": str,  # the chat it came from, when known
            "status": str,  # "open", "taken" or "closed"
            "taken_by": str,
            "taken_at": str,
            "closed_by": str,
            "closed_at": str,
            "note": str,  # what staff did, masked
        },
        pk="id",
        not_null={"reference", "created_at", "name", "phone", "question", "status"},
    )
    db["callbacks"].create_index(["reference"], unique=True)
    db["callbacks"].create_index(["status", "created_at"])
    # Kept apart from the requests, so a citizen's address is not stored with their name and phone,
    # and forgotten once the limit's window has passed.
    db["callback_submissions"].create({"id": int, "client": str, "at": str}, pk="id")
    db["callback_submissions"].create_index(["client", "at"])



@migrations()
def m009_phone_enquiries(db: sqlite_utils.Database) -> None:
    """Phone enquiries the window answered from the desk: the raw material of the office's 首办成功率."""
    db["phone_enquiries"].create(
        {
            "id": int,
            "at": str,  # UTC, ISO 8601 to the second
            "user": str,  # the clerk's account name
            "item_id": str,
            "entry_id": str,
            "outcome": str,  # "answered", "callback" or "referred"
        },
        pk="id",
        not_null={"at", "user", "item_id", "outcome"},
    )
    db["phone_enquiries"].create_index(["at"])


@migrations()
def m011_feedback(db: sqlite_utils.Database) -> None:
    """有帮助 / 没帮助 on the chat's answers, and which entry of an item each answer gave.

    `questions.entry_id` remembers the item's entry that answered (退费, 罚款…), so a vote says which
    text helped or not. One vote per answered question (`question_id` unique): a second vote on the
    same answer replaces the first. Votes per client are counted apart, like callback submissions,
    and forgotten once the rate limit's window has passed.
    """
    db["questions"].add_column("entry_id", str)
    db["feedback"].create(
        {
            "id": int,
            "at": str,  # UTC, ISO 8601 to the second: when the vote was last given
            "question_id": int,  # the answer voted on: the conversation's last reply that was not small talk
            "conversation_id": str,
            "kind": str,  # how that question was answered: answer, clarify, decline, case
            "item_id": str,
            "entry_id": str,
            "helpful": int,  # 1 有帮助, 0 没帮助
            "reason": str,  # optional, masked
        },
        pk="id",
        not_null={"at", "question_id", "conversation_id", "helpful"},
    )
    db["feedback"].create_index(["question_id"], unique=True)
    db["feedback"].create_index(["at"])
    db["feedback_submissions"].create({"id": int, "client": str, "at": str}, pk="id")
    db["feedback_submissions"].create_index(["client", "at"])


@migrations()
def m010_knowledge_versions(db: sqlite_utils.Database) -> None:
    """Every state of the knowledge files, web save or hand edit: who, when, which files, the diff.

    A version's `manifest` maps each file to the digest of its content in `knowledge_blobs` (stored
    once however many versions share it), so any version can be served or restored exactly: the
    last good one when a hand edit is broken, any good one by a rollback. `good` is 0 for a state
    that failed the checks of `assistant kb check` (recorded so history shows it, never served).
    """
    db["knowledge_blobs"].create({"digest": str, "content": bytes}, pk="digest")
    db["knowledge_versions"].create(
        {
            "id": int,
            "at": str,  # UTC, ISO 8601 to the second
            "who": str,  # the account that saved it on the web, "file" for a hand edit, "cli" for the command
            "note": str,  # what kind of change: 网页保存, 新建事项, 删除事项, 回滚到版本 N, 手工修改
            "files": str,  # JSON list of the files changed since the version before
            "diff": str,  # unified diff against the version before
            "manifest": str,  # JSON {path: digest} of every file
            "digest": str,  # digest of the manifest: the same files give the same digest
            "good": int,
        },
        pk="id",
        not_null={"at", "who", "manifest", "digest", "good"},
    )
    db["knowledge_versions"].create_index(["digest"])


@migrations()
def m012_questions_unknowns(db: sqlite_utils.Database) -> None:
    """Which facts an answer had to call not yet known (`office-contact.phone`, space-separated).

    Recorded when the answer is given, so the office's to-do list is ordered by how often citizens
    met each gap, and the weeks before a fact was filled keep showing what they were told then.
    """
    db["questions"].add_column("unknowns", str, not_null_default="")
