"""The knowledge base as plain data: JSON for tools, a spreadsheet for reviewers who check every fact."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .knowledge import Knowledge

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
)


def items_as_dicts(knowledge: Knowledge) -> list[dict]:
    """Every item with all its fields (at least id, name and questions, as the contract requires)."""
    return [item.model_dump(mode="json") for item in knowledge.items.values()]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {_cell(v)}" for k, v in value.items() if v not in (None, "", []))
    return str(value)


def write_xlsx(knowledge: Knowledge, path: str) -> None:
    """One row per item, one column per field a reviewer checks, sources last."""
    book = Workbook()
    sheet = book.active
    sheet.title = "知识库"
    sheet.append([title for _, title in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items_as_dicts(knowledge):
        sheet.append([_cell(item.get(key)) for key, _ in COLUMNS])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGHIJK", (24, 30, 14, 10, 50, 50, 30, 30, 40, 50, 40), strict=True):
        sheet.column_dimensions[column].width = width
    book.save(path)
