"""Whether the database can take writes: what `/healthz` checks beyond "it answers a SELECT".

A database that still reads but cannot write (the file or its folder read-only, the filesystem
remounted read-only, the disk full) lets every page open and then loses each question. The check
asks the operating system whether the database, its WAL files and its folder are writable
(`access(2)`: read-only mounts and immutable files say no even to root), and looks at the disk's free
space. (A write probe through SQLite would not do: within one process SQLite reuses the file
descriptors it opened while the file was still writable.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def database_problems(path: str | Path, min_free_mb: int) -> list[str]:
    """What keeps the database at `path` from taking writes, in Chinese; [] when all is well."""
    path = Path(path)
    problems = []
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"), path.parent):
        if part.exists() and not os.access(part, os.W_OK):
            problems.append(f"数据库无法写入：{part.name} 是只读的")
    free = shutil.disk_usage(path.parent).free // (1024 * 1024)
    if free < min_free_mb:
        problems.append(f"数据库所在磁盘剩余空间只有 {free} MB（低于 {min_free_mb} MB）")
    return problems
