"""Online backups of the database: a consistent copy while the site keeps answering.

SQLite's backup API copies the database page by page under its own locks, so writers carry on (WAL)
and the copy is a snapshot of one moment, never half a transaction — unlike copying the file, which
can catch the WAL unmerged. Each copy is checked (`PRAGMA integrity_check`) before it counts, and
only the newest `keep` are kept. Restoring is copying a backup back over `ASSISTANT_DB` while the
service is stopped (README, 部署).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import AssistantError

PREFIX = "assistant-"
SUFFIX = ".db"


class BackupFailed(AssistantError):
    status = 500


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    cases: int
    questions: int
    removed: list[Path]


def backup(source: str | Path, folder: str | Path, keep: int = 14, now: datetime | None = None) -> Backup:
    """Copy the database at `source` into `folder` as `assistant-YYYYmmdd-HHMMSS.db`, check it, and
    remove the oldest copies beyond `keep`. `BackupFailed` (in Chinese) when it cannot be done."""
    source, folder = Path(source), Path(folder)
    if keep < 1:
        raise BackupFailed("至少要保留 1 份备份。")
    if not source.exists():
        raise BackupFailed(f"找不到数据库文件 {source}。")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{PREFIX}{stamp}{SUFFIX}"
    partial = target.with_suffix(".partial")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(partial) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupFailed(f"备份 {target.name} 未通过完整性检查，已丢弃。")
            cases = _count(dst, "cases")
            questions = _count(dst, "questions")
        partial.replace(target)  # only a checked copy gets a backup's name
    except sqlite3.Error as e:
        raise BackupFailed(f"备份失败：{e}") from e
    finally:
        partial.unlink(missing_ok=True)
    copies = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    removed = copies[:-keep]
    for old in removed:
        old.unlink()
    return Backup(target, target.stat().st_size, cases, questions, removed)


def _count(conn: sqlite3.Connection, table: str) -> int:
    try:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]
    except sqlite3.OperationalError:  # a database from before that table existed
        return 0
