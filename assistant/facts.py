"""Facts in answers, and the ones we do not know yet.

A knowledge text names a fact with a placeholder, `{fact:phone}` for its own item's fact or
`{fact:office-contact.phone}` for another item's. The reply puts a sentence there: the value with its
label when the office has given it to us, else the one standard sentence for an unknown fact (messages.yaml
`fact_unknown`) that says so and where a citizen can ask meanwhile. So an unknown reads the same in every
answer, and filling one value in the editor changes every answer that names it.

`unknown_facts` is the office's to-do list; `render` also reports which unknowns a text used, so the
question log can count how often citizens were answered with one (`demand`, `weekly`).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from .computed import fill
from .workdays import OFFICE_TZ, office_today

if TYPE_CHECKING:
    from .knowledge import Fact, Item, Knowledge

PLACEHOLDER = re.compile(r"\{fact:(?:([a-z0-9]+(?:-[a-z0-9]+)*)\.)?([a-z0-9]+(?:-[a-z0-9]+)*)\}")


def refs(text: str) -> list[tuple[str | None, str]]:
    """`(item id or None for the text's own item, fact id)` of every fact placeholder in `text`."""
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(text)]


def key(item_id: str, fact_id: str) -> str:
    """How the question log and the to-do list name a fact: `office-contact.phone`."""
    return f"{item_id}.{fact_id}"


def resolve(knowledge: Knowledge, item_id: str | None, ref_item: str | None, fact_id: str) -> tuple[Item, Fact] | None:
    item = knowledge.items.get(ref_item or item_id or "")
    fact = item.fact(fact_id) if item else None
    return (item, fact) if fact else None


def sentence(knowledge: Knowledge, fact: Fact) -> str:
    """What the reply says for `fact`: its value, or that we do not have it yet and where to ask."""
    messages = knowledge.messages
    if fact.known:
        return messages.fact_known.format(label=fact.label, value=fact.value)
    ways = [messages.fact_channels[c] for c in fact.ask]
    # 查看办事指南、留意公众号，也可以拨打12345: the last way joined as an alternative
    channels = "、".join(ways[:-1]) + messages.fact_channels_joiner + ways[-1] if len(ways) > 1 else "".join(ways)
    return messages.fact_unknown.format(label=fact.label, channels=channels)


@dataclass(frozen=True)
class Rendered:
    text: str
    unknowns: tuple[str, ...]  # keys of the unknown facts the text states (`office-contact.phone`)


def render(knowledge: Knowledge, item_id: str | None, text: str, today: date) -> Rendered:
    """`text` as a citizen reads it: fact placeholders replaced by their sentences, dates computed for `today`.

    A placeholder that names no fact (the loader rejects those, so only a draft could hold one) is
    left as it is rather than breaking the reply.
    """
    unknowns: list[str] = []

    def replace(match: re.Match) -> str:
        found = resolve(knowledge, item_id, match.group(1), match.group(2))
        if found is None:
            return match.group(0)
        item, fact = found
        if not fact.known:
            unknowns.append(key(item.id, fact.id))
        return sentence(knowledge, fact)

    out = PLACEHOLDER.sub(replace, text) if "{fact:" in text else text
    return Rendered(fill(out, today), tuple(dict.fromkeys(unknowns)))


def text(knowledge: Knowledge, item_id: str | None, text: str, today: date) -> str:
    """`render`'s text alone: for pages that show an answer without logging it (the desk, the editor)."""
    return render(knowledge, item_id, text, today).text


# ---------------------------------------------------------------- the office's to-do list


@dataclass(frozen=True)
class Unknown:
    """One fact the office has not given us yet, and how often citizens were answered without it."""

    item_id: str
    item_name: str
    fact_id: str
    label: str
    ask: tuple[str, ...]  # where a citizen can ask meanwhile, in words
    field: str  # the editor's path of the value: facts.2.value
    asked: int = 0  # questions answered with this unknown, in the question log

    @property
    def key(self) -> str:
        return key(self.item_id, self.fact_id)

    def as_json(self) -> dict:
        return {
            "item_id": self.item_id, "item_name": self.item_name, "fact": self.fact_id, "label": self.label,
            "field": self.field, "ask_meanwhile": list(self.ask), "asked": self.asked,
        }


def unknown_facts(knowledge: Knowledge, asked: dict[str, int] | None = None) -> list[Unknown]:
    """Every fact without a value, most asked first, then in the files' order; `asked` counts by key."""
    asked = asked or {}
    channels = knowledge.messages.fact_channels
    out = [
        Unknown(
            item.id, item.short_name, fact.id, fact.label, tuple(channels[c] for c in fact.ask),
            f"facts.{i}.value", asked.get(key(item.id, fact.id), 0),
        )
        for item in knowledge.items.values()
        for i, fact in enumerate(item.facts)
        if not fact.known
    ]
    return sorted(out, key=lambda u: -u.asked)  # stable: ties keep the files' order


@dataclass(frozen=True)
class ItemUnknowns:
    item_id: str
    item_name: str
    asked: int  # questions answered with any of them
    facts: list[Unknown]


def by_item(unknowns: list[Unknown]) -> list[ItemUnknowns]:
    """`unknowns` grouped by item, the item whose gaps were met most often first (ties: files' order)."""
    groups: dict[str, list[Unknown]] = {}
    for u in unknowns:
        groups.setdefault(u.item_id, []).append(u)
    out = [ItemUnknowns(i, group[0].item_name, sum(u.asked for u in group), group) for i, group in groups.items()]
    return sorted(out, key=lambda g: -g.asked)  # stable: ties keep the order they came in


def counts_by_item(knowledge: Knowledge) -> dict[str, int]:
    """Unknown facts per item, for `kb check` (items with none left out)."""
    counts = {item.id: sum(not f.known for f in item.facts) for item in knowledge.items.values()}
    return {k: v for k, v in counts.items() if v}


def demand(conn: sqlite3.Connection) -> dict[str, int]:
    """How many logged questions were answered with each unknown fact (by key)."""
    counts: dict[str, int] = {}
    for (value,) in conn.execute("select unknowns from questions where unknowns != ''"):
        for k in value.split(" "):
            counts[k] = counts.get(k, 0) + 1
    return counts


def weekly(conn: sqlite3.Connection, weeks: int = 12, today: date | None = None) -> list[dict]:
    """Per week (Monday first, Beijing time), how many questions were answered and how many of them
    with an unknown fact.

    The log keeps what each answer said when it was given, so the weeks before a fact was filled
    still show the questions it left unanswered, and the weeks after show the effect.
    """
    today = today or office_today()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, time(), OFFICE_TZ).astimezone(UTC).isoformat(timespec="seconds")
    rows = {
        week: (answered, unknown)
        for week, answered, unknown in conn.execute(
            # the log's times are UTC; Shanghai keeps +8 all year
            """
            select date(asked_at, '+8 hours', '-6 days', 'weekday 1') as week,
                   sum(kind = 'answer'), sum(kind = 'answer' and unknowns != '')
            from questions where asked_at >= ? group by week
            """,
            (since,),
        )
    }
    out = []
    for n in range(weeks):
        week = (first + timedelta(weeks=n)).isoformat()
        answered, unknown = rows.get(week, (0, 0))
        out.append({"week": week, "answered": answered or 0, "with_unknown": unknown or 0})
    return out
