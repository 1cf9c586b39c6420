"""The SQLite database: one connection per request, WAL mode, schema migrated on first use.

Several gunicorn workers share one file, so every connection turns on WAL (readers never block the
writer) and a busy timeout (a writer waits for another instead of failing at once).
"""

from __future__ import annotations

import fcntl
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from flask import Flask, current_app, g

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


def get_db() -> sqlite_utils.Database:
    """The request's database connection, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = connect(current_app.config["DB"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def init_app(app: Flask) -> None:
    """Create or migrate the database once at start-up, and close each request's connection."""
    connect(app.config["DB"]).conn.close()
    app.teardown_appcontext(close_db)
