"""Import cases from the approval system's export (`.jsonl` or `.csv`): all rows or none.

Every row is checked first — required fields, known item ids and statuses, real dates, a usable phone
— and every bad row is reported as `FILE:LINE: message` (line numbers count physical lines, the CSV
header being line 1). Only when the whole file is good is it written, in one transaction: new case
numbers are inserted, known ones updated, and a status that changed is added to the case's history
instead of duplicating the case. Format: `../shared/spec/contracts.md`, "Case import format".
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlite_utils

from .cases import STATUSES, expected_due, normalise_case_no
from .errors import AssistantError
from .knowledge import Knowledge

REQUIRED = ("case_no", "item_id", "applicant", "contact_phone", "submitted_at", "status")
OPTIONAL = ("project_name", "updated_at", "missing_materials", "supplement_due", "due_date", "notes")
FIELDS = REQUIRED + OPTIONAL
MAX_PROBLEMS = 200  # enough to fix a file; a wholly wrong file should not print 100,000 lines
# A CSV cell longer than this, or spanning more lines than this, is a stray quote or a broken file.
MAX_CELL_CHARS = 20_000
MAX_CELL_LINES = 20
BATCH = 5_000  # rows written per statement batch
csv.field_size_limit(MAX_CELL_CHARS)  # a longer cell is a stray quote swallowing the file, not data
PROGRESS_EVERY = 10000

_PHONE_JUNK = re.compile(r"[\s()（）+\-－—]")
_BAD_CASE_NO = re.compile(r"[\s\x00-\x1f]")


class ImportFailed(AssistantError):
    """The file was not imported; `problems` are `FILE:LINE: message` lines."""

    def __init__(self, problems: list[str], more: int = 0):
        self.problems = problems
        self.more = more
        super().__init__(f"导入失败：{len(problems) + more} 处错误，未导入任何办件。")


@dataclass(frozen=True)
class ImportResult:
    rows: int
    inserted: int
    updated: int
    status_changes: int
    demo_removed: int = 0

    def summary(self) -> str:
        return (
            f"已导入 {self.rows} 条办件：新增 {self.inserted} 条，更新 {self.updated} 条，"
            f"其中 {self.status_changes} 条状态有变化（已记入办理历史）。"
        )


# ---------------------------------------------------------------- reading the two formats


def _lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each physical line; text is None when the line is not UTF-8."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte-order mark, as Excel writes it
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None


def _read_jsonl(path: Path, problem: Callable[[int, str], None]) -> Iterator[tuple[int, dict]]:
    for number, text in _lines(path):
        if text is None:
            problem(number, "不是 UTF-8 编码，请以 UTF-8 保存文件")
            continue
        if not text.strip():
            continue
        try:
            row = json.loads(text.strip())
        except json.JSONDecodeError as e:
            problem(number, f"不是合法的 JSON（第 {e.colno} 个字符附近：{e.msg}）")
            continue
        if not isinstance(row, dict):
            problem(number, "每一行应当是一个 JSON 对象 {…}")
            continue
        yield number, row


def _read_csv(path: Path, problem: Callable[[int, str], None]) -> Iterator[tuple[int, dict]]:
    """Rows of a CSV file, read as a stream (a million rows never sit in memory at once).

    What the csv module cannot read becomes a `FILE:LINE` problem, never a traceback: a line that is
    not UTF-8, a cell over `MAX_CELL_CHARS`, and a stray quote — an opening `"` never closed swallows
    the lines after it into one cell, so a cell running over `MAX_CELL_LINES` lines is reported at
    the line where it began. Reading stops at the first such fault: what follows cannot be trusted.
    """
    not_utf8: list[int] = []

    def text_lines() -> Iterator[str]:
        for number, text in _lines(path):
            if text is None:
                not_utf8.append(number)
                return
            yield text

    reader = csv.reader(text_lines())
    start = 1
    try:
        header = next(reader, None)
        if not header and not not_utf8:
            problem(1, "文件是空的：第一行应当是表头（case_no,item_id,…）")
            return
        header = [h.strip() for h in header or []]
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if reader.line_num - line + 1 > MAX_CELL_LINES:
                problem(line, "这一行的引号没有配对：从这里开始的引号一直没有结束，后面的内容都被当成了一格"
                              "（请检查这一行里多余的 \" 号）")
                return
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                problem(line, f"有 {len(record)} 列，表头有 {len(header)} 列（是否有未加引号的逗号或多余的引号？）")
                continue
            yield line, {h: cell for h, cell in zip(header, record, strict=True) if h}
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            problem(start, f"有一格内容太长（超过 {MAX_CELL_CHARS} 个字符），或引号没有配对")
        else:
            problem(start, f"CSV 格式错误：{e}（请检查引号）")
    if not_utf8:
        problem(not_utf8[0], "不是 UTF-8 编码，请以 UTF-8 保存文件（Excel 里选“CSV UTF-8”）")


# ---------------------------------------------------------------- checking one row


def _date(value: object, name: str, errors: list[str], with_time: bool = False) -> str | None:
    """An ISO 8601 date (or date and time) as text, or None; a message in `errors` when it is not one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        errors.append(f"{name} 应当是日期文字，如 2024-03-05")
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        errors.append(f"{name}“{text}”不是有效日期（应为 2024-03-05 或 2024-03-05T09:30）")
        return None
    if with_time and len(text) > 10:
        return parsed.isoformat(timespec="seconds")
    return parsed.date().isoformat()


def _text(value: object, name: str, errors: list[str], required: bool, limit: int = 500) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(f"缺少必填字段 {name}")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.append(f"{name} 应当是文字")
        return None
    value = value.strip()
    if len(value) > limit:
        errors.append(f"{name} 太长（{len(value)} 字，最多 {limit} 字）")
        return None
    return value


def _materials(value: object, csv_format: bool, errors: list[str]) -> list[str]:
    if value is None or value == "":
        return []
    if csv_format and isinstance(value, str):
        return [m.strip() for m in value.split(";") if m.strip()]
    if isinstance(value, list) and all(isinstance(m, str) for m in value):
        return [m.strip() for m in value if m.strip()]
    errors.append("missing_materials 应当是文字列表（JSON 数组；CSV 中用分号 ; 分隔）")
    return []


def _addressable(case_no: str) -> bool:
    """Whether the case page's address (/staff/cases/<case_no>) can carry this number unchanged.

    A `/` inside a number is fine (QP/2026/0042): the route takes the rest of the path. But browsers
    and proxies rewrite `.` and `..` segments and merge `//`, and a leading or trailing `/` leaves
    an empty segment: such a number would import and then never open.
    """
    return not any(part in ("", ".", "..") for part in case_no.split("/"))


def check_row(raw: dict, knowledge: Knowledge, csv_format: bool = False) -> tuple[dict | None, list[str]]:
    """The row ready for the database, or None and the Chinese messages saying what is wrong."""
    errors: list[str] = []
    unknown = sorted(k for k in raw if k not in FIELDS)
    if unknown and not csv_format:
        errors.append(f"未知字段 {', '.join(unknown)}（可用字段：{', '.join(FIELDS)}）")

    case_no = _text(raw.get("case_no"), "case_no", errors, required=True, limit=64)
    if case_no and _BAD_CASE_NO.search(case_no):
        errors.append(f"case_no“{case_no}”不能含空格或控制字符")
    elif case_no and not _addressable(normalise_case_no(case_no)):
        errors.append(
            f"case_no“{case_no}”无法在工作台打开：“/”不能在开头或结尾、不能连用，"
            "以“/”分开的各段也不能是“.”或“..”"
        )
    item_id = _text(raw.get("item_id"), "item_id", errors, required=True, limit=64)
    if item_id and item_id not in knowledge.items:
        errors.append(f"item_id“{item_id}”不是知识库里的事项（见 knowledge/items/）")
    applicant = _text(raw.get("applicant"), "applicant", errors, required=True, limit=200)
    phone = _text(raw.get("contact_phone"), "contact_phone", errors, required=True, limit=40)
    if phone is not None:
        digits = _PHONE_JUNK.sub("", phone)
        if not digits.isdigit() or not 7 <= len(digits) <= 20:
            errors.append(f"contact_phone 应当是电话号码（7–20 位数字），不是“{phone[:3]}…”")
    status = _text(raw.get("status"), "status", errors, required=True, limit=32)
    if status and status not in STATUSES:
        errors.append(f"status“{status}”不是已知状态（{', '.join(STATUSES)}）")
    if raw.get("submitted_at") in (None, ""):
        errors.append("缺少必填字段 submitted_at")
    submitted = _date(raw.get("submitted_at"), "submitted_at", errors, with_time=True)
    updated = _date(raw.get("updated_at"), "updated_at", errors, with_time=True)
    supplement_due = _date(raw.get("supplement_due"), "supplement_due", errors)
    due_date = _date(raw.get("due_date"), "due_date", errors)
    for name, value in (("supplement_due", supplement_due), ("due_date", due_date)):
        if value and submitted and value < submitted[:10]:
            errors.append(f"{name} {value} 早于提交日期 {submitted[:10]}")
    missing = _materials(raw.get("missing_materials"), csv_format, errors)
    project = _text(raw.get("project_name"), "project_name", errors, required=False, limit=200)
    notes = _text(raw.get("notes"), "notes", errors, required=False, limit=2000)
    if errors:
        return None, errors

    digits = _PHONE_JUNK.sub("", phone)
    return {
        "case_no": normalise_case_no(case_no),
        "item_id": item_id,
        "applicant": applicant,
        "contact_phone": phone,
        "phone_last4": digits[-4:],
        "project_name": project,
        "status": status,
        "submitted_at": submitted,
        "updated_at": updated,
        "missing_materials": json.dumps(missing, ensure_ascii=False),
        "supplement_due": supplement_due,
        "due_date": due_date,
        "due_date_computed": 0,
        "notes": notes,
        "demo": 0,
    }, []


# ---------------------------------------------------------------- the whole file


def checked_rows(
    path: Path, knowledge: Knowledge, problem: Callable[[int, str], None]
) -> Iterator[tuple[int, dict | None]]:
    """(line, checked row or None) for every row of `path`; each mistake goes to `problem`."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        problem(1, "只能导入 .jsonl 或 .csv 文件")
        return
    csv_format = suffix == ".csv"
    header_checked = False
    for line, raw in (_read_csv if csv_format else _read_jsonl)(path, problem):
        if csv_format and not header_checked:
            header_checked = True
            unknown = sorted(k for k in raw if k not in FIELDS)
            if unknown:
                problem(1, f"表头有未知列 {', '.join(unknown)}（可用列：{', '.join(FIELDS)}）")
            absent = [k for k in REQUIRED if k not in raw]
            if absent:
                problem(1, f"表头缺少必填列 {', '.join(absent)}")
                return
        row, errors = check_row(raw, knowledge, csv_format)
        for message in errors:
            problem(line, message)
        yield line, row


class _Problems:
    """The mistakes of one file, as `FILE:LINE: message`, at most `MAX_PROBLEMS` kept."""

    def __init__(self, path: Path):
        self.path, self.lines, self.more = path, [], 0

    def __call__(self, line: int, message: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(f"{self.path}:{line}: {message}")
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.lines:
            raise ImportFailed(self.lines, self.more)


def check_file(path: Path, knowledge: Knowledge, progress: Callable[[int], None] | None = None) -> int:
    """Check every row of `path` without keeping them; the number of rows, or `ImportFailed`.

    The file is read as a stream; only each case number and its line are kept, to find a case
    listed twice.
    """
    problems = _Problems(path)
    first_seen: dict[str, int] = {}
    count = 0
    for line, row in checked_rows(path, knowledge, problems):
        count += 1
        if row is not None:
            seen = first_seen.setdefault(row["case_no"], line)
            if seen != line:
                problems(line, f"办件编号 {row['case_no']} 在第 {seen} 行已出现")
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    if not count and not problems.lines:
        problems(1, "文件里没有办件")
    problems.raise_any()
    return count


def read_file(path: Path, knowledge: Knowledge) -> list[dict]:
    """Every row of `path`, checked, in a list (small files: demo data, tests); `ImportFailed` if any is bad."""
    check_file(path, knowledge)
    return [row for _line, row in checked_rows(path, knowledge, _Problems(path)) if row is not None]


_UPSERT = f"""
insert into cases ({", ".join((*FIELDS, "phone_last4", "due_date_computed", "demo", "imported_at"))})
values ({", ".join(":" + f for f in (*FIELDS, "phone_last4", "due_date_computed", "demo", "imported_at"))})
on conflict(case_no) do update set
{", ".join(f"{f} = excluded.{f}" for f in (*FIELDS[1:], "phone_last4", "due_date_computed", "demo", "imported_at"))}
"""


def import_file(
    db: sqlite_utils.Database,
    knowledge: Knowledge,
    path: str | Path,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Check and import `path` into `db`; all or nothing. Raises `ImportFailed` for a bad file.

    Two passes over the file, each a stream: the first checks every row and writes nothing; the
    second writes them in one transaction. A million-row export never sits in memory, and the
    database is locked only while writing, not while a bad file is being checked.
    """
    path = Path(path)
    check_file(path, knowledge, progress)
    rows = (row for _line, row in checked_rows(path, knowledge, _Problems(path)) if row is not None)
    return write_rows(db, knowledge, rows, source=path.name, now=now, replace_demo=True)


def write_rows(
    db: sqlite_utils.Database,
    knowledge: Knowledge,
    rows: Iterable[dict],
    source: str,
    now: datetime | None = None,
    replace_demo: bool = False,
) -> ImportResult:
    """Insert or update checked rows in one transaction, recording status changes in the history.

    Rows are written in batches of `BATCH`, each looking up only its own cases' current status, so
    memory stays flat however long the file. With `replace_demo`, the demo cases go: real data has
    arrived and must not be mixed with them.
    """
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    due_cache: dict[tuple[str, str], str | None] = {}
    total = inserted = changed = 0
    with db.conn:  # one transaction: everything or nothing
        demo_removed = 0
        if replace_demo:
            db.conn.execute("delete from case_history where case_no in (select case_no from cases where demo = 1)")
            demo_removed = db.conn.execute("delete from cases where demo = 1").rowcount
        for batch in _batches(rows, BATCH):
            marks = ", ".join("?" for _ in batch)
            known = dict(db.conn.execute(
                f"select case_no, status from cases where case_no in ({marks})", [r["case_no"] for r in batch]
            ).fetchall())
            history = []
            for row in batch:
                row["imported_at"] = stamp
                if row["due_date"] is None:
                    key = (row["item_id"], row["submitted_at"][:10])
                    if key not in due_cache:
                        due = expected_due(knowledge, row["item_id"], date.fromisoformat(key[1]))
                        due_cache[key] = due.isoformat() if due else None
                    row["due_date"] = due_cache[key]
                    row["due_date_computed"] = int(row["due_date"] is not None)
                previous = known.get(row["case_no"])
                if previous == row["status"]:
                    continue
                if previous is None:
                    inserted += 1
                    changed_at = row["updated_at"] or row["submitted_at"]
                else:
                    changed += 1
                    changed_at = row["updated_at"] or stamp
                history.append((row["case_no"], row["status"], changed_at, stamp, source))
            db.conn.executemany(_UPSERT, batch)
            db.conn.executemany(
                "insert into case_history (case_no, status, changed_at, recorded_at, source) values (?, ?, ?, ?, ?)",
                history,
            )
            total += len(batch)
    return ImportResult(
        rows=total,
        inserted=inserted,
        updated=total - inserted,
        status_changes=changed,
        demo_removed=demo_removed,
    )


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
