"""Self-test for administrators: is every example question answered by its own item?

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
    expected: str
    got: str | None
    kind: str


@dataclass
class Report:
    total: int = 0
    passed: int = 0
    misses: list[Miss] = field(default_factory=list)
    collisions: Counter = field(default_factory=Counter)


def run_selftest(knowledge: Knowledge, thresholds: Thresholds) -> Report:
    report = Report()
    for item in knowledge.items.values():
        for question in item.questions:
            report.total += 1
            decision = match(
                knowledge,
                question,
                answer_threshold=thresholds.answer,
                decline_threshold=thresholds.decline,
                clarify_margin=thresholds.clarify_margin,
            )
            if decision.kind == "answer" and decision.item_id == item.id:
                report.passed += 1
            else:
                report.misses.append(
                    Miss(f"knowledge/items/{item.id}.yaml", question, item.id, decision.item_id, decision.kind)
                )
            top = decision.candidates[:2]
            if len(top) == 2 and top[0].score - top[1].score < thresholds.clarify_margin:
                pair = tuple(sorted((top[0].item_id, top[1].item_id)))
                report.collisions[pair] += 1
    return report
