"""Turn a `Decision` into what the applicant reads: the part they asked first, the rest one click away.

All wording comes from the knowledge files (items, `messages.yaml`, `referrals.yaml`,
`smalltalk.yaml`); this module only arranges it. Text uses a tiny, safe mark-up the page renders:
lines starting with `- ` are list items and `**…**` is bold; nothing else is interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .knowledge import Item, Knowledge
from .matcher import Decision

SECTION_TITLES = {
    "summary": "事项说明",
    "conditions": "办理条件",
    "materials": "所需材料",
    "time": "办理时限",
    "fee": "收费情况",
    "where": "办理地点和方式",
    "process": "办理流程",
    "basis": "法律依据",
    "contact": "咨询方式",
}


@dataclass(frozen=True)
class Reply:
    kind: str
    text: str
    item_id: str | None = None
    score: float = 0.0
    suggestions: list[dict] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    actions: tuple[str, ...] = ()  # what the page may offer next: "prereview", "case_lookup"

    def as_json(self) -> dict:
        return {
            "reply": self.text,
            "kind": self.kind,
            "item_id": self.item_id,
            "score": round(max(0.0, min(100.0, self.score)), 1),
            "suggestions": self.suggestions,
            "details": self.details,
            "actions": list(self.actions),
        }


def _bullets(lines) -> str:
    return "\n".join(f"- {line}" for line in lines)


def section(item: Item, key: str, knowledge: Knowledge) -> str | None:
    """The text of one part of an item: the curated short answer, else built from its fields."""
    if key == "summary":
        return item.summary
    if key in item.answers:
        return item.answers[key]
    if key == "materials" and item.materials:
        return _bullets(m.describe() for m in item.materials)
    if key == "conditions" and item.conditions:
        return _bullets(item.conditions)
    if key == "process" and item.process:
        return _bullets(item.process)
    if key == "basis" and item.legal_basis:
        return _bullets(item.legal_basis)
    if key == "time" and item.time_limit:
        t = item.time_limit
        parts = []
        if t.statutory_days is not None:
            parts.append(f"法定时限：{t.statutory_days}个工作日。")
        if t.promised_days is not None:
            parts.append(f"承诺时限：{t.promised_days}个工作日。")
        if t.note:
            parts.append(t.note)
        return "\n".join(parts) or None
    if key == "fee" and item.fee:
        return item.fee.note or ("本事项收费，标准请以办事指南为准。" if item.fee.charged else "本事项不收费。")
    if key == "where" and item.apply:
        return _bullets(x for x in (item.apply.online and f"网上：{item.apply.online}",
                                    item.apply.window and f"窗口：{item.apply.window}") if x)
    if key == "contact":
        return knowledge.office.phone_note
    return None


def _suggest(knowledge: Knowledge, ids) -> list[dict]:
    seen, out = set(), []
    for item_id in ids:
        if item_id in knowledge.items and item_id not in seen:
            seen.add(item_id)
            out.append({"item_id": item_id, "title": knowledge.items[item_id].short_name})
    return out


def compose(knowledge: Knowledge, decision: Decision) -> Reply:
    """The reply for a decision, with suggestion buttons and folded details."""
    messages = knowledge.messages
    if decision.kind == "smalltalk" and decision.smalltalk:
        return Reply("smalltalk", decision.smalltalk.reply, suggestions=quick_topics(knowledge))
    if decision.kind == "clarify" and decision.vague:
        return Reply("clarify", messages.vague, suggestions=quick_topics(knowledge))
    if decision.kind == "clarify":
        ids = [c.item_id for c in decision.candidates]
        if decision.rejected:
            text = messages.rejected if ids else messages.rejected_none
            return Reply("clarify", text, suggestions=_suggest(knowledge, ids) or quick_topics(knowledge))
        return Reply("clarify", messages.clarify, score=decision.score, suggestions=_suggest(knowledge, ids))
    if decision.kind == "decline" or decision.item_id is None:
        text = decision.referral.reply if decision.referral else f"{messages.decline}\n{messages.decline_hint}"
        return Reply("decline", text, score=decision.score, suggestions=quick_topics(knowledge)[:4])

    item = knowledge.items[decision.item_id]
    shown = [key for key in decision.subquestions if section(item, key, knowledge)]
    lines = []
    if decision.followup:
        lines.append(messages.followup.format(name=item.short_name))
    lines.append(f"**{item.name}**")
    if not shown:
        shown = ["summary"]
    for key in shown:
        if len(shown) > 1:
            lines.append(f"**{SECTION_TITLES[key]}**")
        lines.append(section(item, key, knowledge))
    details = [
        {"key": key, "title": title, "text": text}
        for key, title in SECTION_TITLES.items()
        if key not in shown and (text := section(item, key, knowledge))
    ]
    if details:
        lines.append(messages.answer_more)
    runners_up = [c.item_id for c in decision.candidates[1:3] if c.score >= decision.score * 0.8]
    return Reply(
        "answer",
        "\n".join(lines),
        item_id=item.id,
        score=decision.score,
        suggestions=_suggest(knowledge, [*item.related, *runners_up]),
        details=details,
        actions=item_actions(item),
    )


def item_actions(item: Item) -> tuple[str, ...]:
    """The page's extra tools for an item: a pre-review checklist when it has a materials list,
    and whatever the item's file asks for (`actions: [case_lookup]`)."""
    return tuple(dict.fromkeys((*(("prereview",) if item.materials else ()), *item.actions)))


def quick_topics(knowledge: Knowledge) -> list[dict]:
    """The most-asked items, as buttons under the chat box (office.yaml `quick_topics`)."""
    ids = getattr(knowledge.office, "quick_topics", None) or list(knowledge.items)[:6]
    return _suggest(knowledge, ids)
