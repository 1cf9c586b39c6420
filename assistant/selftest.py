"""Self-test for administrators: is every example question answered by its own item, and every
entry's question and variants by that entry?

An example answered by another item, or scoring close to another item, means two items speak with
the same words; the fix is a more distinctive keyword or example, never a special case in code.

`try_draft` does the same for an item being edited, before it is saved: the knowledge served now
with the draft in place answers a question and runs the item's examples (the editor's 试一试).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .knowledge import Knowledge, load_files
from .knowledge_edit import InvalidItem, check, item_path, render_item
from .matcher import match
from .replies import compose
from .settings import Thresholds


@dataclass(frozen=True)
class Miss:
    path: str
    question: str
    expected: str  # an item id, or item#entry for an entry's question
    got: str | None
    kind: str


@dataclass
class Report:
    total: int = 0
    passed: int = 0
    misses: list[Miss] = field(default_factory=list)
    collisions: Counter = field(default_factory=Counter)


def _label(item_id: str | None, entry_id: str | None) -> str | None:
    return f"{item_id}#{entry_id}" if item_id and entry_id else item_id


def run_selftest(knowledge: Knowledge, thresholds: Thresholds, item_ids: Collection[str] | None = None) -> Report:
    """Match every example question of every item (or only of `item_ids`: the editor's 试一试)."""
    report = Report()
    for item in knowledge.items.values():
        if item_ids is not None and item.id not in item_ids:
            continue
        examples = [(q, None) for q in item.questions]
        examples += [(q, e.id) for e in item.entries for q in (e.question, *e.variants)]
        for question, entry_id in examples:
            report.total += 1
            decision = match(
                knowledge,
                question,
                answer_threshold=thresholds.answer,
                decline_threshold=thresholds.decline,
                clarify_margin=thresholds.clarify_margin,
            )
            right = decision.kind == "answer" and decision.item_id == item.id
            if right and (entry_id is None or decision.entry == entry_id):
                report.passed += 1
            else:
                got = _label(decision.item_id, decision.entry)
                report.misses.append(
                    Miss(f"knowledge/items/{item.id}.yaml", question, _label(item.id, entry_id), got, decision.kind)
                )
            top = decision.candidates[:2]
            if len(top) == 2 and top[0].score - top[1].score < thresholds.clarify_margin:
                pair = tuple(sorted((top[0].item_id, top[1].item_id)))
                report.collisions[pair] += 1
    return report


# ---------------------------------------------------------------- trying a draft (the editor's 试一试)

MAX_QUESTION_CHARS = 200  # a question tried in the editor


def try_draft(folder: str | Path, served: dict[str, bytes], item_id: str | None, item: object, question: object,
              thresholds: Thresholds, today: date | None = None) -> dict:
    """Answer `question` with the knowledge served now but `item` in place of its saved version, and
    run `kb test` for the item; nothing is written. `InvalidItem` when the draft fails the checks.

    The draft gets its own matcher index (cached by content, like any knowledge version).
    """
    folder = Path(folder)
    if item_id is None and isinstance(item, dict):
        item_id = item.get("id")
    path = item_path(served, item_id)
    content = render_item(served, path, item)
    after = {**served, path: content}
    errors, _ = check(folder, served, after, path)
    if errors:
        raise InvalidItem(errors)
    knowledge = load_files(folder, after)
    out: dict = {"decision": None}
    if isinstance(question, str) and question.strip():
        out["decision"] = _answer(knowledge, question.strip()[:MAX_QUESTION_CHARS], item_id, thresholds, today)
    report = run_selftest(knowledge, thresholds, {item_id})
    out["tests"] = {
        "total": report.total,
        "passed": report.passed,
        "misses": [{"question": m.question, "expected": m.expected, "got": m.got, "kind": m.kind} for m in report.misses],
        "collisions": [{"items": list(pair), "count": n} for pair, n in report.collisions.most_common()],
    }
    return out


def _answer(knowledge: Knowledge, question: str, item_id: str, thresholds: Thresholds, today: date | None) -> dict:
    decision = match(
        knowledge, question, answer_threshold=thresholds.answer,
        decline_threshold=thresholds.decline, clarify_margin=thresholds.clarify_margin,
    )
    reply = compose(knowledge, decision, today)
    item = knowledge.items.get(decision.item_id) if decision.item_id else None
    entry = item.entry(decision.entry) if item and decision.entry else None
    return {
        "question": question,
        "kind": decision.kind,
        "score": round(decision.score, 1),
        "item_id": decision.item_id,
        "item_name": item.name if item else None,
        "entry_id": entry.id if entry else None,
        "entry_question": entry.question if entry else None,
        "this_item": decision.item_id == item_id,
        "reply": reply.text,
        "runners_up": [
            {"item_id": c.item_id, "name": knowledge.items[c.item_id].short_name, "score": round(c.score, 1)}
            for c in decision.candidates if c.item_id != decision.item_id and c.item_id in knowledge.items
        ][:3],
    }
