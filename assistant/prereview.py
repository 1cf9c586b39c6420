"""Pre-review (预审) before submission: tick the materials you have, see what is still missing.

Works from the materials list of an item in the knowledge files; nothing is stored. Materials are
numbered by their position in the item's list, which is what the page's checkboxes send back.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BadRequest, NotFound
from .knowledge import Item, Knowledge, Material


def checklist_item(knowledge: Knowledge, item_id: object) -> Item:
    """The item whose materials make the checklist; `NotFound` when there is no such list."""
    item = knowledge.items.get(item_id) if isinstance(item_id, str) else None
    if item is None or not item.materials:
        raise NotFound("这个事项没有材料清单。请在对话框里说明您要办理的事项，例如“结建审批要哪些材料”。")
    return item


@dataclass(frozen=True)
class PreReview:
    item: Item
    missing: list[tuple[int, Material]]

    @property
    def complete(self) -> bool:
        return not any(m.required for _, m in self.missing)

    def as_text(self) -> str:
        lines = [f"**{self.item.name}：材料预审结果**"]
        required = [(i, m) for i, m in self.missing if m.required]
        optional = [(i, m) for i, m in self.missing if not m.required]
        if not self.missing:
            lines.append("清单上的材料您都已备齐。")
        elif not required:
            lines.append("必需的材料已备齐。以下材料可以容缺后补：")
        else:
            lines.append(f"还缺 {len(required)} 项必需材料：")
        lines += [f"- {m.describe()}" for _, m in required + optional]
        lines.append("以上为自助预审，仅供参考；正式受理以窗口审核为准。")
        return "\n".join(lines)


def review(knowledge: Knowledge, item_id: object, have: object) -> PreReview:
    """What is missing when the applicant has the materials numbered in `have`."""
    item = checklist_item(knowledge, item_id)
    if not isinstance(have, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in have):
        raise BadRequest("“have”应当是已备材料编号的列表，例如 [0, 2]。")
    if any(not 0 <= i < len(item.materials) for i in have):
        raise BadRequest(f"材料编号应在 0 到 {len(item.materials) - 1} 之间。")
    chosen = set(have)
    return PreReview(item, [(i, m) for i, m in enumerate(item.materials) if i not in chosen])
