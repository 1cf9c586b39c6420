"""Knowledge versions in SQLite: every state of the knowledge files, who made it, when, and the diff.

A version is recorded whenever the files change, however they changed: a save on the web (`who` is
the account), a hand edit noticed by a worker's reload (`who` is `file`), a rollback. Its manifest
names every file's content by digest, and the contents are kept once each in `knowledge_blobs`, so
any version can be read back whole: that is how a worker started after a broken hand edit serves the
same last good version as every other worker, and how a rollback restores an earlier version.

Versions are recorded under `db.immediate` (SQLite's `BEGIN IMMEDIATE`), the one lock every process
shares: a save checks the file's version and writes it inside it, so two saves never interleave, and
a worker that noticed a change records it only if the files on disk still are what it read.

Pure: plain values and a `sqlite_utils.Database`; no Flask.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from .db import immediate
from .knowledge import read_files

# A diff longer than this is cut (a pasted file of megabytes is not worth keeping twice).
MAX_DIFF_CHARS = 200_000
FILE = "file"  # `who` of a hand edit


def content_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def manifest_of(files: dict[str, bytes]) -> dict[str, str]:
    """Each file's digest, by path: what a version stores besides the contents themselves."""
    return {path: content_digest(content) for path, content in sorted(files.items())}


def digest_of(files: dict[str, bytes]) -> str:
    """One digest for a whole set of files: equal exactly when every file is."""
    return hashlib.sha256(json.dumps(manifest_of(files), sort_keys=True).encode()).hexdigest()




@dataclass(frozen=True)
class Version:
    id: int
    at: str  # UTC, ISO 8601
    who: str
    note: str
    files: tuple[str, ...]  # changed since the version before (empty for the first one recorded)
    good: bool  # passed `assistant kb check`; only good versions are served or rolled back to
    diff: str

    def as_json(self) -> dict:
        return {
            "version": self.id, "at": self.at, "who": self.who, "note": self.note,
            "files": list(self.files), "good": self.good, "diff": self.diff,
        }


_COLUMNS = "id, at, who, note, files, good, diff"


def _version(row) -> Version:
    id_, at, who, note, files, good, diff = row
    return Version(id_, at, who, note or "", tuple(json.loads(files or "[]")), bool(good), diff or "")


def latest(db: sqlite_utils.Database) -> tuple[int, str, dict[str, str]] | None:
    """(id, digest, manifest) of the newest version, or None before the first."""
    row = db.execute("select id, digest, manifest from knowledge_versions order by id desc limit 1").fetchone()
    return (row[0], row[1], json.loads(row[2])) if row else None


def get(db: sqlite_utils.Database, version_id: int) -> Version | None:
    row = db.execute(f"select {_COLUMNS} from knowledge_versions where id = ?", [version_id]).fetchone()
    return _version(row) if row else None


def history(db: sqlite_utils.Database, limit: int | None = None, path: str | None = None) -> list[Version]:
    """Versions, newest first; with `path`, only those that changed that file."""
    where, params = "", []
    if path:
        where, params = "where exists (select 1 from json_each(files) where value = ?)", [path]
    sql = f"select {_COLUMNS} from knowledge_versions {where} order by id desc"
    if limit:
        sql += f" limit {int(limit)}"
    return [_version(row) for row in db.execute(sql, params).fetchall()]


def last_edits(db: sqlite_utils.Database) -> dict[str, tuple[str, str]]:
    """For each file ever changed: (when, who) of its newest version."""
    rows = db.execute(
        "select j.value, v.at, v.who from knowledge_versions v, json_each(v.files) j order by v.id"
    ).fetchall()
    return {path: (at, who) for path, at, who in rows}


def files_of(db: sqlite_utils.Database, version_id: int) -> dict[str, bytes] | None:
    """The whole content of a version, file by file; None when there is no such version."""
    row = db.execute("select manifest from knowledge_versions where id = ?", [version_id]).fetchone()
    return _contents(db, json.loads(row[0])) if row else None


def _contents(db: sqlite_utils.Database, manifest: dict[str, str]) -> dict[str, bytes]:
    blobs = dict(db.execute(
        "select digest, content from knowledge_blobs where digest in (select value from json_each(?))",
        [json.dumps(sorted(set(manifest.values())))],
    ).fetchall())
    return {path: bytes(blobs[digest]) for path, digest in manifest.items()}


def last_good(db: sqlite_utils.Database) -> tuple[int, dict[str, bytes]] | None:
    """The newest version that passed the checks, with its files: what is served while the files are broken."""
    row = db.execute("select id, manifest from knowledge_versions where good = 1 order by id desc limit 1").fetchone()
    return (row[0], _contents(db, json.loads(row[1]))) if row else None


def good_version_of(db: sqlite_utils.Database, files: dict[str, bytes]) -> int | None:
    row = db.execute(
        "select id from knowledge_versions where digest = ? and good = 1 order by id desc limit 1", [digest_of(files)]
    ).fetchone()
    return row[0] if row else None


def diff(before: dict[str, bytes], after: dict[str, bytes]) -> tuple[list[str], str]:
    """The files that differ and their unified diff (`a/items/x.yaml` → `b/items/x.yaml`)."""
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    out: list[str] = []
    for path in changed:
        old, new = before.get(path), after.get(path)
        out.extend(difflib.unified_diff(
            _lines(old), _lines(new),
            f"a/{path}" if old is not None else "/dev/null", f"b/{path}" if new is not None else "/dev/null",
        ))
    text = "".join(line if line.endswith("\n") else line + "\n" for line in out)
    if len(text) > MAX_DIFF_CHARS:
        text = text[:MAX_DIFF_CHARS] + "\n……（差异太长，其余部分省略）\n"
    return changed, text


def _lines(content: bytes | None) -> list[str]:
    return content.decode("utf-8", "replace").splitlines(keepends=True) if content is not None else []


def record(db: sqlite_utils.Database, files: dict[str, bytes], who: str, note: str, good: bool) -> int:
    """Record `files` as a new version and return its id; the newest one's id if it holds the same files.

    Call inside `db.immediate(db)`.
    """
    now = latest(db)
    digest = digest_of(files)
    if now is not None and now[1] == digest:
        return now[0]
    manifest = manifest_of(files)
    for path, content_id in manifest.items():
        db.execute("insert or ignore into knowledge_blobs (digest, content) values (?, ?)", [content_id, files[path]])
    if now is None:
        changed, text, note = [], "", note or "开始记录版本"
    else:
        changed, text = diff(_contents(db, now[2]), files)
    cursor = db.execute(
        "insert into knowledge_versions (at, who, note, files, diff, manifest, digest, good) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [datetime.now(UTC).isoformat(timespec="seconds"), who, note, json.dumps(changed, ensure_ascii=False),
         text, json.dumps(manifest), digest, int(good)],
    )
    return cursor.lastrowid


def observe(db: sqlite_utils.Database, folder: str | Path, files: dict[str, bytes], good: bool) -> int | None:
    """What a worker calls after reading the files: record them as a hand edit if they are new.

    Returns the id of the version holding exactly `files` (None for a broken state that is not the
    newest). When the files on disk changed since they were read (a save went in between), nothing
    is recorded: the caller reads them again.
    """
    with immediate(db):
        now = latest(db)
        if now is not None and now[1] == digest_of(files):
            return now[0]
        if read_files(folder) != files:
            return good_version_of(db, files) if good else None
        return record(db, files, FILE, "手工修改" if now is not None else "", good)


class VersionLog:
    """The knowledge store's view of the log (`knowledge.VersionLog`): one short connection per call."""

    def __init__(self, connect: Callable[[], AbstractContextManager[sqlite_utils.Database]], folder: str | Path):
        self._connect = connect
        self.folder = Path(folder)

    def observe(self, files: dict[str, bytes], good: bool) -> int | None:
        with self._connect() as db:
            return observe(db, self.folder, files, good)

    def last_good(self) -> tuple[int, dict[str, bytes]] | None:
        with self._connect() as db:
            return last_good(db)
