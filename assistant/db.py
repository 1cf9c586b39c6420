"""The SQLite database: one connection per worker thread, WAL mode, schema migrated on first use.

Several gunicorn workers share one file, so every connection turns on WAL (readers never block the
writer), `synchronous = NORMAL` (in WAL, a commit is safe from an application crash and costs no
fsync; only a power cut may lose the last moments) and a busy timeout (a writer waits for another,
for at most `BUSY_TIMEOUT_MS`, then the request gets a 503 with Retry-After: errors.py).

A connection is opened once per thread and kept for its requests: opening one, checking the schema
and closing it again cost more than answering a question. A request that ends inside a transaction
(an error half-way) has it rolled back, so the next request starts clean.

No Flask here: `web_db.get_db()` asks `thread_connection` for the app's path within a request.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from .migrations import migrations

BUSY_TIMEOUT_MS = 5000


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database at `path` (created if missing) with WAL and a busy timeout, schema up to date.

    Safe to call from several processes at once: migrations run under an exclusive file lock.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    if migrations.pending(db):
        with exclusive(path):
            migrations.apply(db)
    return db


@contextmanager
def exclusive(path: str | Path):
    """Hold a lock file beside the database: one process at a time migrates or seeds it."""
    path = Path(path)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def connection(path: str | Path):
    """A connection for work outside a request (start-up, the CLI), closed afterwards."""
    db = connect(path)
    try:
        yield db
    finally:
        db.conn.close()


_THREAD = threading.local()


def thread_connection(path: str | Path) -> sqlite_utils.Database:
    """This thread's connection to the database at `path`, opened on first use and kept for later calls.

    One connection per thread and database path: a thread serving another app (tests make many)
    closes the one it had before.
    """
    held = getattr(_THREAD, "db", None)
    if held is not None and held[0] == path:
        return held[1]
    if held is not None:
        held[1].conn.close()
    db = connect(path)
    _THREAD.db = (path, db)
    return db


def end_request(_exc: BaseException | None = None) -> None:
    """After each request: a transaction left open by an error is rolled back, the connection kept."""
    held = getattr(_THREAD, "db", None)
    if held is not None and held[1].conn.in_transaction:
        held[1].conn.rollback()


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[None]:
    """A write transaction taken at once (`BEGIN IMMEDIATE`): one writer at a time across every
    worker and process, committed at the end, rolled back on any error.

    A plain (deferred) transaction reads first and only then competes for the write lock, so two
    workers could both count 4 failed look-ups and both go on to a 5th and 6th attempt; taking the
    lock first keeps what is read inside true until the commit. Inside it use plain `db.execute`
    (sqlite-utils' table methods commit on their own). A transaction left open is committed first.
    """
    conn = db.conn
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
