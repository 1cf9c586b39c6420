"""The knowledge base as plain data: JSON for tools, a spreadsheet for reviewers who check every fact;
and the list of what to fix next as a spreadsheet for the office's meetings.

Spreadsheets are formula-safe: text from people (questions, reasons) and from the knowledge (an answer
that starts with "- ") never becomes a formula. A cell whose text starts with `=`, `+`, `-`, `@` (or a
tab or line break, which spreadsheet programs skip before looking) is written as text and marked
"quote prefix", so Excel and WPS show it as typed and keep it text when someone edits the cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from .audit import office_time
from .gaps import REASONS, FixRow, answered_label
from .knowledge import Knowledge

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

COLUMNS = (
    ("id", "事项 id"),
    ("name", "名称"),
    ("short_name", "简称"),
    ("category", "类别"),
    ("summary", "说明"),
    ("materials", "申请材料"),
    ("time_limit", "办理时限"),
    ("fee", "收费"),
    ("legal_basis", "法律依据"),
    ("questions", "示例问题"),
    ("sources", "出处"),
    ("facts", "事实（没有 value 的是尚未掌握的，回答里说“暂未收录”）"),
)


def items_as_dicts(knowledge: Knowledge) -> list[dict]:
    """Every item with all its fields (at least id, name and questions, as the contract requires)."""
    return [item.model_dump(mode="json") for item in knowledge.items.values()]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_cell(v) for v in value)
    if isinstance(value, dict):  # one line: a material, a fact (its lists joined with 、)
        return "；".join(
            f"{k}: {'、'.join(map(_cell, v)) if isinstance(v, list) else _cell(v)}"
            for k, v in value.items() if v not in (None, "", [])
        )
    return str(value)


def safe_cell(cell: Cell) -> Cell:
    """Make a cell that holds text starting like a formula plain text, as typed (see the module's doc)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl took a leading "=" for a formula
        cell.quotePrefix = True
    return cell


def append_safe(sheet: Worksheet, values: Iterable) -> None:
    """`sheet.append(values)`, with every cell of the new row made formula-safe."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        safe_cell(cell)


def write_xlsx(knowledge: Knowledge, path: str | IO[bytes]) -> None:
    """One row per item, one column per field a reviewer checks, sources last."""
    book = Workbook()
    sheet = book.active
    sheet.title = "知识库"
    sheet.append([title for _, title in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items_as_dicts(knowledge):
        append_safe(sheet, (_cell(item.get(key)) for key, _ in COLUMNS))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGHIJK", (24, 30, 14, 10, 50, 50, 30, 30, 40, 50, 40), strict=True):
        sheet.column_dimensions[column].width = width
    book.save(path)


GAP_COLUMNS = (
    ("问题（问得最多的问法）", 40),
    ("次数", 8),
    *((label, 10) for label in REASONS.values()),
    ("其他问法", 50),
    ("当时的回答（被否定或评为没帮助）", 40),
    ("群众写的原因", 40),
    ("现在的回答", 40),
    ("最近一次（北京时间）", 20),
)


def write_gaps_xlsx(knowledge: Knowledge, rows: Iterable[FixRow], target: str | IO[bytes]) -> None:
    """The list of what to fix next, one row per grouped question, most asked first; formula-safe."""
    book = Workbook()
    sheet = book.active
    sheet.title = "待改进的问题"
    sheet.append([title for title, _ in GAP_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_safe(
            sheet,
            [
                row.question,
                row.count,
                *(row.reasons[r] for r in REASONS),
                "\n".join(f"{text}（{n}次）" for text, n in row.other_variants),
                "\n".join(answered_label(knowledge, item, entry) for item, entry in row.answered_with),
                "\n".join(row.remarks),
                row.now.label if row.now else "",
                office_time(row.last_asked),
            ],
        )
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, (_, width) in enumerate(GAP_COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A2"
    book.save(target)
