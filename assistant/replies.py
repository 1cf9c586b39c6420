"""Turn a `Decision` into what the applicant reads: the part they asked first, the rest one click away.

All wording of a reply comes from the knowledge files (items, `messages.yaml` — including the
sentences a section is built from, `guide` — `referrals.yaml`, `smalltalk.yaml`); this module only
arranges it. Not every applicant-facing text is knowledge: a case's status wording and reminder texts
sit with the status codes in `cases.STATUSES`, the pre-review result in `prereview`, and the
400/404/429 messages with their checks. Text uses a tiny, safe mark-up the page renders:
lines starting with `- ` are list items and `**…**` is bold; nothing else is interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from . import facts
from .knowledge import SECTIONS, Item, Knowledge
from .matcher import Decision
from .workdays import office_today

# Related questions offered under an answer: the item's other entries, at most this many.
RELATED_QUESTIONS = 4
# Quick topics offered under a decline or a rejection with nothing left, next to the callback offer:
# the most-asked few, not the whole row under the chat box.
TOPICS_AFTER_DECLINE = 4
# Items the office has not listed in office.yaml `quick_topics`: the first this many, by file name.
DEFAULT_QUICK_TOPICS = 6
# Runners-up suggested under an answer: the next this many candidates, each scoring at least this
# share of the answer's score (a distant runner-up is noise, not an alternative).
RUNNERS_UP, RUNNER_UP_SHARE = 2, 0.8


@dataclass(frozen=True)
class Reply:
    kind: str
    text: str
    item_id: str | None = None
    score: float = 0.0
    suggestions: list[dict] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    actions: tuple[str, ...] = ()  # what the page may offer next: "prereview", "case_lookup", "callback"
    entry_id: str | None = None  # the item's entry whose answer `text` gives
    related: list[dict] = field(default_factory=list)  # the item's other entries: {item_id, entry_id, title}
    unknowns: tuple[str, ...] = ()  # facts `text` had to call not yet known (`office-contact.phone`): logged

    @property
    def shown_score(self) -> float:
        """The score as the API and `ask --jsonl` give it: within 0–100, one decimal."""
        return round(max(0.0, min(100.0, self.score)), 1)


def _bullets(lines) -> str:
    return "\n".join(f"- {line}" for line in lines)


def title(item: Item, key: str, knowledge: Knowledge) -> str:
    """A section's title: the item's own (`titles:`) where the standard one does not fit."""
    return item.titles.get(key) or knowledge.messages.sections[key]


def section(item: Item, key: str, knowledge: Knowledge) -> str | None:
    """The text of one part of an item: the curated short answer, else built from its fields."""
    if not item.has_section(key):
        return None
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
    wording = knowledge.messages.guide
    if key == "time" and item.time_limit:
        t = item.time_limit
        parts = []
        if t.statutory_days is not None:
            parts.append(wording.statutory_days.format(days=t.statutory_days))
        if t.promised_days is not None:
            parts.append(wording.promised_days.format(days=t.promised_days))
        if t.note:
            parts.append(t.note)
        return "\n".join(parts) or None
    if key == "fee" and item.fee:
        return item.fee.note or (wording.fee_charged if item.fee.charged else wording.fee_free)
    if key == "where" and item.apply:
        return _bullets(x for x in (item.apply.online and wording.online.format(text=item.apply.online),
                                    item.apply.window and wording.window.format(text=item.apply.window)) if x)
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


def compose(knowledge: Knowledge, decision: Decision, today: date | None = None) -> Reply:
    """The reply for a decision, with suggestion buttons and folded details.

    Dates computed from a rule (`{next_siren_test}`) are filled in for `today` (Shanghai's today
    by default), so an answer never goes stale with the calendar; facts (`{fact:phone}`) are stated,
    or said to be not yet known in the one standard wording (`facts.render`).
    """
    reply = _compose(knowledge, decision)
    today = today or office_today()
    text = facts.render(knowledge, reply.item_id, reply.text, today)
    return replace(
        reply,
        text=text.text,
        unknowns=text.unknowns,
        details=[{**d, "text": facts.render(knowledge, reply.item_id, d["text"], today).text} for d in reply.details],
    )


def _compose(knowledge: Knowledge, decision: Decision) -> Reply:
    messages = knowledge.messages
    if decision.kind == "smalltalk" and decision.smalltalk:
        # Asking for a person (转人工) is answered with the way to reach one: a callback request.
        actions = ("callback",) if decision.smalltalk.id == "human" else ()
        return Reply("smalltalk", decision.smalltalk.reply, suggestions=quick_topics(knowledge), actions=actions)
    if decision.kind == "clarify" and decision.vague:
        return Reply("clarify", messages.vague, suggestions=quick_topics(knowledge))
    if decision.kind == "clarify":
        ids = [c.item_id for c in decision.candidates]
        if decision.rejected and ids:
            none_of_these = {"item_id": None, "title": messages.none_of_these}
            return Reply("clarify", messages.rejected, suggestions=[*_suggest(knowledge, ids), none_of_these])
        if decision.rejected:
            return Reply(
                "clarify", messages.rejected_none, suggestions=quick_topics(knowledge)[:TOPICS_AFTER_DECLINE], actions=("callback",)
            )
        return Reply("clarify", messages.clarify, score=decision.score, suggestions=_suggest(knowledge, ids))
    if decision.kind == "decline" or decision.item_id is None:
        text = decision.referral.reply if decision.referral else f"{messages.decline}\n{messages.decline_hint}"
        return Reply(
            "decline", text, score=decision.score, suggestions=quick_topics(knowledge)[:TOPICS_AFTER_DECLINE], actions=("callback",)
        )

    item = knowledge.items[decision.item_id]
    entry = item.entry(decision.entry) if decision.entry else None
    lines = []
    if decision.followup:
        lines.append(messages.followup.format(name=item.short_name))
    lines.append(f"**{item.name}**")
    if entry is not None:
        shown = []
        lines.append(entry.answer)
    else:
        shown = [key for key in decision.subquestions if item.has_section(key)] or ["summary"]
        for key in shown:
            if len(shown) > 1:
                lines.append(f"**{title(item, key, knowledge)}**")
            lines.append(section(item, key, knowledge))
    details = [
        {"key": key, "title": title(item, key, knowledge), "text": text}
        for key in SECTIONS
        if key not in shown and (text := section(item, key, knowledge))
    ]
    if details:
        names = "、".join(d["title"] for d in details)
        lines.append(messages.answer_more.format(name=item.short_name, sections=names))
    related = [
        {"item_id": item.id, "entry_id": e.id, "title": e.question}
        for e in item.entries
        if e is not entry
    ][:RELATED_QUESTIONS]
    runners_up = [
        c.item_id for c in decision.candidates[1 : 1 + RUNNERS_UP] if c.score >= decision.score * RUNNER_UP_SHARE
    ]
    return Reply(
        "answer",
        "\n".join(lines),
        item_id=item.id,
        score=decision.score,
        suggestions=_suggest(knowledge, [*item.related, *runners_up]),
        details=details,
        actions=item_actions(item),
        entry_id=entry.id if entry else None,
        related=related,
    )


def item_actions(item: Item) -> tuple[str, ...]:
    """The page's extra tools for an item: a pre-review checklist when it has a materials list,
    and whatever the item's file asks for (`actions: [case_lookup]`)."""
    return tuple(dict.fromkeys((*(("prereview",) if item.materials else ()), *item.actions)))


def quick_topics(knowledge: Knowledge) -> list[dict]:
    """The most-asked items, as buttons under the chat box (office.yaml `quick_topics`)."""
    ids = getattr(knowledge.office, "quick_topics", None) or list(knowledge.items)[:DEFAULT_QUICK_TOPICS]
    return _suggest(knowledge, ids)
