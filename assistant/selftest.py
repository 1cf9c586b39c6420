"""Self-test for administrators: is every example question answered by its own item, and every
entry's question and variants by that entry?

An example answered by another item, or scoring close to another item, means two items speak with
the same words; the fix is a more distinctive keyword or example, never a special case in code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .chat import Thresholds
from .knowledge import Knowledge
from .matcher import match


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


def run_selftest(knowledge: Knowledge, thresholds: Thresholds) -> Report:
    report = Report()
    for item in knowledge.items.values():
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
