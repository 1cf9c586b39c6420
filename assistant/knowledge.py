"""Load and validate the knowledge files into frozen models, once, with `PATH:LINE` for every mistake.

The files in `knowledge/` are edited by hand by office administrators. `load(folder)` reads them all,
checks every field and every cross-reference, and either returns a `Knowledge` or raises
`KnowledgeError` listing every `Problem`. `KnowledgeStore` keeps the last good version serving while a
broken edit is reported, and picks up a fixed one within seconds, in every worker.
"""

from __future__ import annotations

import hashlib
import logging
import string
import threading
import time
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .computed import unknown_placeholders
from .errors import KnowledgeError
from .facts import PLACEHOLDER as FACT_PLACEHOLDER
from .facts import refs as fact_refs
from .workdays import WorkCalendar
from .yamlfile import MAX_BYTES, Problem, line_for, read_yaml_text, validate

log = logging.getLogger(__name__)

# The ids other tools rely on (../shared/spec/knowledge-items.md): never renamed, never missing.
REQUIRED_IDS = (
    "shelter-build-approval shelter-offsite-approval offsite-fee underground-space-approval "
    "works-demolition-approval alarm-relocation-approval land-transfer-conditions completion-acceptance "
    "archive-handover use-filing quality-supervision penalties online-application progress-lookup "
    "supplement-materials pre-review office-contact complaint-supervision policy-benefits "
    "annual-report-2024 civil-defence-parking report-violation siren-test public-shelters "
    "civil-defence-education"
).split()

SUBQUESTIONS = ("conditions", "materials", "time", "fee", "where", "process", "basis", "contact")
# The parts of an item's 办事指南, in the order the reply folds them; titles come from messages.yaml.
SECTIONS = ("summary", *SUBQUESTIONS)
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Material(_Model):
    name: str = Field(min_length=1)
    form: str | None = None
    copies: int | None = Field(default=None, ge=1)
    note: str | None = None
    required: bool = True

    def describe(self) -> str:
        """One line for a list: `名称（原件，1份）：说明（可容缺后补）`."""
        extra = "，".join(x for x in (self.form, f"{self.copies}份" if self.copies else None) if x)
        line = self.name + (f"（{extra}）" if extra else "")
        if self.note:
            line += f"：{self.note}"
        if not self.required:
            line += "（可容缺后补）"
        return line


class TimeLimit(_Model):
    statutory_days: int | None = Field(default=None, ge=0)
    promised_days: int | None = Field(default=None, ge=0)
    note: str | None = None


class Fee(_Model):
    charged: bool
    note: str | None = None


class Apply(_Model):
    online: str | None = None
    window: str | None = None


class Entry(_Model):
    """One specific thing people ask about an item (a refund, the fine for not filing, whether a
    charger may go on a 人防车位), with the short direct answer a clerk would give and its source."""

    id: str = Field(pattern=ID_PATTERN)
    question: str = Field(min_length=4)  # how the office would title it; shown as a related question
    variants: tuple[str, ...] = ()  # other ways people ask it, colloquial ones first
    keywords: tuple[str, ...] = ()  # words that point to this entry rather than the item's others
    answer: str = Field(min_length=4)
    sources: tuple[str, ...] = Field(min_length=1)

    @field_validator("variants", "keywords")
    @classmethod
    def _no_blank_entries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in values):
            raise ValueError("列表里有空白条目")
        return values


# Where a citizen can get a fact the office has not yet given us (wording: messages.yaml `fact_channels`).
CHANNELS = ("guide", "12345", "window", "wechat")


class Fact(_Model):
    """A fact an answer states — a phone, an address, opening hours, a promised time limit, a fee rate —
    which may not be known yet.

    Unknown is a value, not a sentence: `value` left empty means the office has not given it to us.
    A text says `{fact:ID}` (or `{fact:ITEM.ID}` for another item's) where the fact belongs; the reply
    puts the value there, or the one standard sentence of messages.yaml `fact_unknown` with where to
    ask meanwhile (`ask`). `assistant kb unknowns` and the dashboard list every empty one for the office.
    A filled value needs its `source` (a document number, 办公室提供（日期）), like every other fact.
    """

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=2)  # what the fact is, as a clerk names it in a sentence: 青浦区国动办的咨询电话
    value: str | None = None  # empty: not known yet
    source: str | None = None  # where the value comes from; required with a value
    ask: tuple[Literal[CHANNELS], ...] = ("guide", "12345")  # type: ignore[valid-type]  # meanwhile

    @property
    def known(self) -> bool:
        return bool(self.value)


class Item(_Model):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=2)
    short_name: str = Field(min_length=2, max_length=16)
    category: Literal["licence", "service", "public", "info"]
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()  # what the person wants of this item, whatever item they name (进度, 处罚)
    summary: str = Field(min_length=4)
    conditions: tuple[str, ...] = ()
    materials: tuple[Material, ...] = ()
    process: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    time_limit: TimeLimit | None = None
    fee: Fee | None = None
    apply: Apply | None = None
    answers: dict[Literal[SUBQUESTIONS], str] = {}  # type: ignore[valid-type]
    entries: tuple[Entry, ...] = ()  # question-level answers, tried before the 办事指南 fields
    facts: tuple[Fact, ...] = ()  # facts the texts name with {fact:ID}; a value left empty is not known yet
    titles: dict[Literal[SECTIONS], str] = {}  # type: ignore[valid-type]  # section titles that fit this item better
    related: tuple[str, ...] = ()
    actions: tuple[Literal["prereview", "case_lookup"], ...] = ()  # tools the chat page offers with the answer
    questions: tuple[str, ...] = Field(min_length=5)
    sources: tuple[str, ...] = Field(min_length=1)

    @field_validator("aliases", "keywords", "intents", "questions")
    @classmethod
    def _no_blank_entries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in values):
            raise ValueError("列表里有空白条目")
        return values

    def has_section(self, key: str) -> bool:
        """Whether the item has something to say under `key` (one of `SECTIONS`)."""
        if key in ("summary", "contact") or key in self.answers:
            return True  # contact falls back to the office's channels
        fields = {
            "conditions": self.conditions, "materials": self.materials, "process": self.process,
            "basis": self.legal_basis, "time": self.time_limit, "fee": self.fee,
            "where": self.apply and (self.apply.online or self.apply.window),
        }
        return bool(fields.get(key))

    def entry(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def fact(self, fact_id: str) -> Fact | None:
        return next((f for f in self.facts if f.id == fact_id), None)


class Referral(_Model):
    id: str = Field(pattern=ID_PATTERN)
    topic: str
    keywords: tuple[str, ...] = Field(min_length=1)
    reply: str
    # Games and films speak of sirens and shelters that are not real: their keywords win even over
    # the office's own words (使命召唤里的防空警报怎么关).
    fiction: bool = False


class Smalltalk(_Model):
    id: str = Field(pattern=ID_PATTERN)
    patterns: tuple[str, ...] = Field(min_length=1)
    reply: str


class SynonymsFile(_Model):
    synonyms: dict[str, tuple[str, ...]] = {}
    fillers: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()


class ReferralsFile(_Model):
    referrals: tuple[Referral, ...] = ()


class SmalltalkFile(_Model):
    smalltalk: tuple[Smalltalk, ...] = ()


class Office(_Model):
    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    phone_note: str
    hotline: str = "12345"


class GuideWording(_Model):
    """The sentences a 办事指南 section is built from when its item gives no answer of its own
    (`replies.section`): the time limits, whether a fee is charged, where to apply."""

    statutory_days: str  # {days}: the item's time_limit.statutory_days
    promised_days: str  # {days}: the item's time_limit.promised_days
    fee_charged: str  # a fee is charged and the item's fee has no note
    fee_free: str  # no fee is charged and the item's fee has no note
    online: str  # {text}: the item's apply.online
    window: str  # {text}: the item's apply.window

    @field_validator("*")
    @classmethod
    def _known_placeholders(cls, text: str, info) -> str:
        allowed = {"statutory_days": {"days"}, "promised_days": {"days"}, "online": {"text"}, "window": {"text"}}
        return _only_placeholders(text, allowed.get(info.field_name, set()))


def _only_placeholders(text: str, known: set[str]) -> str:
    """`text` if every `{name}` in it is one of `known` (what the code fills in), else a ValueError
    in Chinese: a misspelt placeholder is a `kb check` problem at its line, never a failed reply."""
    try:
        used = {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise ValueError("花括号 { } 不成对：占位符写成 {days} 这样，文字里不要单独用花括号") from None
    if used - known:
        shown = "、".join(f"{{{n}}}" for n in sorted(known)) or "无"
        raise ValueError(f"不认识的占位符 {'、'.join(f'{{{n}}}' for n in sorted(used - known))}（这里可用：{shown}）")
    return text


# What the code fills into each message (`str.format`): any other `{name}` would fail a reply.
_MESSAGE_PLACEHOLDERS = {
    "followup": {"name"}, "answer_more": {"name", "sections"}, "case_ask_digits": {"case_no"},
    "case_locked": {"minutes"}, "fact_known": {"label", "value"}, "fact_unknown": {"label", "channels"},
}


class Messages(_Model):
    """What the assistant says outside the items: declines, clarifications, case look-up prompts, and
    the sentences of a section built from an item's fields (`guide`)."""

    decline: str
    decline_hint: str
    clarify: str
    vague: str
    rejected: str
    rejected_none: str
    followup: str
    answer_more: str  # {name}: the item's short name; {sections}: titles of the folded sections
    none_of_these: str  # the button under "是不是下面这些？" that says none of them is meant
    sections: dict[Literal[SECTIONS], str]  # type: ignore[valid-type]  # standard section titles
    guide: GuideWording  # sentences of a section built from the item's fields
    empty: str
    case_ask_digits: str
    case_ask_number: str
    case_not_found: str
    case_bad_number: str
    case_bad_digits: str
    case_locked: str
    fact_known: str  # a known fact: {label}, {value}
    fact_unknown: str  # a fact not known yet: {label}, {channels} (the fact's `ask`, in words, joined)
    fact_channels: dict[Literal[CHANNELS], str]  # type: ignore[valid-type]  # each channel as something to do
    fact_channels_joiner: str = "，也可以"

    @field_validator("followup", "answer_more", "case_ask_digits", "case_locked", "fact_known", "fact_unknown")
    @classmethod
    def _known_placeholders(cls, text: str, info: ValidationInfo) -> str:
        return _only_placeholders(text, _MESSAGE_PLACEHOLDERS[info.field_name])

    @field_validator("sections", "fact_channels")
    @classmethod
    def _every_key_worded(cls, given: dict, info: ValidationInfo) -> dict:
        keys, what = {"sections": (SECTIONS, "栏目的标题"), "fact_channels": (CHANNELS, "咨询渠道的说法")}[info.field_name]
        missing = [key for key in keys if key not in given]
        if missing:
            raise ValueError(f"缺少这些{what}：{'、'.join(missing)}")
        return given


class HolidayYear(_Model):
    holidays: tuple[str, ...] = ()  # ISO dates that are days off
    workdays: tuple[str, ...] = ()  # ISO dates that are make-up working days (调休上班)


class HolidaysFile(_Model):
    years: dict[int, HolidayYear] = {}


@dataclass(frozen=True, eq=False)  # identity hash: the matcher caches its index per version
class Knowledge:
    """Everything the assistant knows, validated. Items keep the order of their file names."""

    folder: Path
    items: dict[str, Item]
    synonyms: dict[str, str]  # variant → canonical word
    fillers: tuple[str, ...]
    anchors: tuple[str, ...]  # words that mark a question as this office's business
    referrals: tuple[Referral, ...]
    smalltalk: tuple[Smalltalk, ...]
    office: Office
    messages: Messages
    holidays: dict[int, HolidayYear]

    def item(self, item_id: str) -> Item:
        return self.items[item_id]

    @cached_property
    def fingerprint(self) -> str:
        """A digest of everything the matcher reads: two loads of the same files share one index."""
        parts = [item.model_dump_json() for item in self.items.values()]
        parts += [r.model_dump_json() for r in self.referrals] + [t.model_dump_json() for t in self.smalltalk]
        parts.append(repr((sorted(self.synonyms.items()), self.fillers, self.anchors)))
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()

    @cached_property
    def calendar(self) -> WorkCalendar:
        """Working days, with the years administrators added in `holidays.yaml`."""
        return WorkCalendar(self.holidays)


# ---------------------------------------------------------------- loading the folder


def item_file(files: dict[str, bytes], item_id: str) -> str:
    """The key of an item's file in `files` (`items/<id>.yaml`, or `.yml` where that is what exists)."""
    for suffix in (".yaml", ".yml"):
        if f"items/{item_id}{suffix}" in files:
            return f"items/{item_id}{suffix}"
    return f"items/{item_id}.yaml"


def read_files(folder: str | Path) -> dict[str, bytes]:
    """The bytes of every YAML file under `folder`, keyed by path relative to it (`items/offsite-fee.yaml`).

    What `load_files` reads and what a knowledge version stores. A file is read only up to one byte
    past `yamlfile.MAX_BYTES`: that is enough to report it as too large, and a huge file costs nothing.
    """
    folder = Path(folder)
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".yaml", ".yml"):
            continue
        try:
            with open(path, "rb") as f:
                found[path.relative_to(folder).as_posix()] = f.read(MAX_BYTES + 1)
        except (IsADirectoryError, FileNotFoundError):  # a folder so named, or deleted while we looked
            continue
    return found


def load(folder: str | Path) -> Knowledge:
    """Read and check every knowledge file; raise `KnowledgeError` listing every problem found."""
    return load_files(folder, read_files(folder))


def load_files(folder: str | Path, files: dict[str, bytes]) -> Knowledge:
    """Check the knowledge given as file contents (keys as from `read_files`), exactly as `load` does.

    This is how a draft is checked and tried without writing it: a copy of `files` with one item's
    file replaced (or removed) gives the `Knowledge` the site would serve after the save, or the
    `KnowledgeError` that `assistant kb check` would print. Problems are named after `folder`.

    Contents checked once are not parsed again: the same bytes in any folder give the same models
    (frozen, so shared safely) with `folder` set to this one. A worker's unchanged reloads, a test's
    copy of the shipped knowledge and `load` after `create_app` reuse them; any changed byte is a new
    key, so an edit is always checked afresh. Broken contents are never kept: their problems name
    the folder they were found in.
    """
    folder = Path(folder)
    key = _contents_key(files)
    with _LOADED_LOCK:
        known = _LOADED.pop(key, None)
        if known is not None:
            _LOADED[key] = known  # most recently used last
    if known is None:
        known = _check_files(folder, files)
        with _LOADED_LOCK:
            _LOADED[key] = known
            while len(_LOADED) > LOADED_KEPT:
                _LOADED.pop(next(iter(_LOADED)))  # least recently used first
    if known.folder == folder:
        return known
    moved = replace(known, folder=folder)
    for name in ("fingerprint", "calendar"):  # cached properties of the same content: the same values
        if name in known.__dict__:
            moved.__dict__[name] = known.__dict__[name]
    return moved


# Checked contents kept per process, like the matcher's indexes (`matcher.INDEXES_KEPT`): the served
# version, used by every reload, stays while the editor's drafts come and go, and no more than a few
# copies of the models are held.
LOADED_KEPT = 4
_LOADED: dict[str, Knowledge] = {}
_LOADED_LOCK = threading.Lock()


def _contents_key(files: dict[str, bytes]) -> str:
    """A digest of every file's name and bytes (length-prefixed: no two different sets collide by framing)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        content = files[name]
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def _check_files(folder: Path, files: dict[str, bytes]) -> Knowledge:
    """Parse and check `files` for `load_files`; raise `KnowledgeError` listing every problem."""
    problems: list[Problem] = []

    def rel(name: str) -> str:
        return f"{folder.name}/{name}" if folder.name else name

    if not any(name.startswith("items/") for name in files) and not (folder / "items").is_dir():
        raise KnowledgeError([Problem(rel("items"), 1, "找不到事项目录 items/")])

    items: dict[str, Item] = {}
    item_lines: dict[str, tuple[str, dict]] = {}
    names = sorted(n for n in files if n.count("/") == 1 and n.startswith("items/") and Path(n).suffix in (".yaml", ".yml"))
    for name in names:
        found = len(problems)
        data, lines = read_yaml_text(files[name], problems, rel(name))
        if data is None and lines == {}:
            if len(problems) == found:  # an empty file is a mistake too, never silently skipped
                problems.append(Problem(rel(name), 1, "文件是空的：请写入事项的内容，或删除这个文件"))
            continue
        item = validate(Item, data, lines, rel(name), problems)
        if item is None:
            continue
        stem = Path(name).stem
        if item.id != stem:
            problems.append(Problem(rel(name), lines.get(("id",), 1), f"id “{item.id}”与文件名“{stem}”不一致", "id"))
        if item.id in items:
            problems.append(Problem(rel(name), lines.get(("id",), 1), f"id “{item.id}”重复", "id"))
        items[item.id] = item
        item_lines[item.id] = (rel(name), lines)

    for item_id, item in items.items():
        path, lines = item_lines[item_id]
        _check_texts(item, path, lines, problems)
        _check_facts(item, items, path, lines, problems)
        for i, other in enumerate(item.related):
            if other not in items and other not in REQUIRED_IDS:
                problems.append(Problem(
                    path, line_for(lines, ("related", i)), f"related 里的“{other}”不是已有事项的 id", f"related.{i}"
                ))
    for missing in (i for i in REQUIRED_IDS if i not in items):
        problems.append(Problem(rel(f"items/{missing}.yaml"), 1, f"缺少必备事项“{missing}”"))

    synonyms, fillers, anchors = _load_synonyms(files, rel, problems)
    referrals = _load_list(files, "referrals.yaml", ReferralsFile, rel, problems)
    smalltalk = _load_list(files, "smalltalk.yaml", SmalltalkFile, rel, problems)
    office = _load_one(files, "office.yaml", Office, rel, problems)
    messages = _load_one(files, "messages.yaml", Messages, rel, problems)
    holidays = _load_holidays(files, "holidays.yaml", rel, problems)

    if problems:
        raise KnowledgeError(problems)
    return Knowledge(
        folder=folder,
        items=items,
        synonyms=synonyms,
        fillers=fillers,
        anchors=anchors,
        referrals=referrals.referrals if referrals else (),
        smalltalk=smalltalk.smalltalk if smalltalk else (),
        office=office,
        messages=messages,
        holidays=holidays.years if holidays else {},
    )


# A line of a reply ends a sentence, a clause before a list (：) or a list item. A line ending in
# “，” or mid-sentence is a sentence cut in two, which the page would show as two paragraphs.
_OPEN_ENDING = "，、,"
_CLOSED_ENDING = "。！？：；…”’）)】」.!?:;"


def _texts(item: Item):
    """(key path, text) of every reply text of an item."""
    yield ("summary",), item.summary
    for i, text in enumerate(item.conditions):
        yield ("conditions", i), text
    if item.time_limit and item.time_limit.note:
        yield ("time_limit", "note"), item.time_limit.note
    if item.fee and item.fee.note:
        yield ("fee", "note"), item.fee.note
    for key in ("online", "window"):
        if item.apply and getattr(item.apply, key):
            yield ("apply", key), getattr(item.apply, key)
    for key, text in item.answers.items():
        yield ("answers", key), text
    for i, entry in enumerate(item.entries):
        yield ("entries", i, "answer"), entry.answer


def _check_facts(item: Item, items: dict[str, Item], path: str, lines: dict, problems: list[Problem]) -> None:
    """Fact ids unique, a filled value with its source, every `{fact:…}` naming a fact that exists."""
    seen: set[str] = set()
    for i, fact in enumerate(item.facts):
        if fact.id in seen:
            problems.append(Problem(
                path, line_for(lines, ("facts", i, "id")), f"facts 里的 id “{fact.id}”重复", f"facts.{i}.id"
            ))
        seen.add(fact.id)
        if fact.known and not fact.source:
            problems.append(Problem(
                path, line_for(lines, ("facts", i, "value")),
                f"facts.{i}.source：填了“{fact.label}”的内容，请同时写明出处（文件文号，或“办公室提供（日期）”）",
                f"facts.{i}.source",
            ))
    for loc, text in _texts(item):
        field = ".".join(map(str, loc))
        for other, fact_id in fact_refs(text):
            owner = items.get(other) if other else item
            if owner is None or owner.fact(fact_id) is None:
                where = f"事项“{other}”" if other else "本事项"
                problems.append(Problem(
                    path, line_for(lines, loc),
                    f"{field}：{{fact:{(other + '.') if other else ''}{fact_id}}} 在{where}的 facts 里找不到", field,
                ))


def _check_texts(item: Item, path: str, lines: dict, problems: list[Problem]) -> None:
    """Entry ids unique, placeholders known, no sentence cut across two lines."""
    seen: set[str] = set()
    for i, entry in enumerate(item.entries):
        if entry.id in seen:
            problems.append(Problem(
                path, line_for(lines, ("entries", i, "id")), f"entries 里的 id “{entry.id}”重复", f"entries.{i}.id"
            ))
        if entry.id in SECTIONS:
            problems.append(Problem(
                path, line_for(lines, ("entries", i, "id")),
                f"entries 的 id 不能用“{entry.id}”，它是办事指南栏目的名字", f"entries.{i}.id",
            ))
        seen.add(entry.id)
    for loc, text in _texts(item):
        field = ".".join(map(str, loc))
        for name in unknown_placeholders(text):
            problems.append(Problem(
                path, line_for(lines, loc), f"{field}：不认识的占位符 {{{name}}}（可用的见 knowledge/README.md）", field
            ))
        rows = text.split("\n")
        for n, (row, following) in enumerate(zip(rows, rows[1:], strict=False)):
            # a fact placeholder stands for a whole sentence (facts.sentence ends it with 。)
            row, following = FACT_PLACEHOLDER.sub("。", row).strip(), following.strip()
            if not row or not following:
                continue
            is_item = row.startswith("- ")
            if row[-1] in _OPEN_ENDING or (not is_item and row[-1] not in _CLOSED_ENDING):
                problems.append(Problem(
                    path, line_for(lines, loc) + 1 + n,
                    f"{field}：这一行在句子中间换行了（“{row[-8:]}”），页面上会分成两段；请把下一行接到这一行后面",
                    field,
                ))


def _load_one(files: dict[str, bytes], name: str, model, rel, problems):
    if name not in files:
        problems.append(Problem(rel(name), 1, "缺少这个文件"))
        return None
    data, lines = read_yaml_text(files[name], problems, rel(name))
    return validate(model, data, lines, rel(name), problems) if lines else None


def _load_list(files: dict[str, bytes], name: str, model, rel, problems):
    """An optional file holding one list; a missing file means an empty list."""
    if name not in files:
        return None
    return _load_one(files, name, model, rel, problems)


def _load_synonyms(files: dict[str, bytes], rel, problems) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    parsed = _load_list(files, "synonyms.yaml", SynonymsFile, rel, problems)
    if parsed is None:
        return {}, (), ()
    mapping: dict[str, str] = {}
    for canonical, variants in parsed.synonyms.items():
        for variant in variants:
            key = variant.lower()
            if key in mapping and mapping[key] != canonical:
                problems.append(Problem(rel("synonyms.yaml"), 1, f"“{variant}”同时是“{mapping[key]}”和“{canonical}”的同义词"))
            mapping[key] = canonical
    return mapping, parsed.fillers, parsed.anchors


def _load_holidays(files: dict[str, bytes], name: str, rel, problems):
    """`holidays.yaml` (optional): every date must be a real date of the year it is listed under."""
    if name not in files:
        return None
    data, lines = read_yaml_text(files[name], problems, rel(name))
    if not lines:
        return None
    parsed = validate(HolidaysFile, data, lines, rel(name), problems)
    if parsed is None:
        return None
    for year, spec in parsed.years.items():
        for kind in ("holidays", "workdays"):
            for i, day in enumerate(getattr(spec, kind)):
                try:
                    ok = date.fromisoformat(day).year == year and len(day) == 10
                except ValueError:
                    ok = False
                if not ok:
                    line = line_for(lines, ("years", year, kind, i))
                    problems.append(Problem(rel(name), line, f"{year} 年 {kind} 里的“{day}”不是该年的日期（格式 YYYY-MM-DD）"))
    return parsed


# ---------------------------------------------------------------- hot reload, keep the last good


class VersionLog(Protocol):
    """Where the store records what it reads and finds the last good version (`knowledge_versions.VersionLog`)."""

    def observe(self, files: dict[str, bytes], good: bool) -> int | None: ...

    def last_good(self) -> tuple[int, dict[str, bytes]] | None: ...


class KnowledgeStore:
    """Serves the last good `Knowledge`, reloading when a file changes (checked every `interval` seconds).

    A broken edit never takes the site down: a good version keeps serving and `warnings` names each
    problem as `PATH:LINE: message` until the file is fixed. With a `versions` log (the app's
    SQLite database) every state of the files is recorded as a version, `version` names the one
    served, and a broken edit serves the log's last good version, not this process's own previous
    one: every worker, including one started after the broken edit, serves the same content.
    Without a log (tests of the core), a broken edit keeps this process's previous version.
    """

    def __init__(self, folder: str | Path, interval: float = 3.0, versions: VersionLog | None = None):
        self.folder = Path(folder)
        self.interval = interval
        self.versions = versions
        self.problems: list[Problem] = []  # what is wrong with the files now; `warnings` as text
        self.version: int | None = None  # the served version's number in the log
        self.files: dict[str, bytes] = {}  # the served version's files: drafts are tried against them
        self._current: Knowledge | None = None
        self._lock = threading.Lock()
        self._checked = 0.0
        self._signature = self._scan()
        self._reload()
        if self._current is None:  # nothing to fall back on: the start fails with every problem
            raise KnowledgeError(self.problems)

    @property
    def warnings(self) -> list[str]:
        """Each problem of the files on disk as `PATH:LINE: message`; empty when they are served."""
        return [str(p) for p in self.problems]

    def _scan(self) -> tuple:
        found = []
        for p in sorted(self.folder.rglob("*")):
            if p.suffix in (".yaml", ".yml"):
                try:
                    stat = p.stat()
                except OSError:  # deleted while we looked: the next scan sees it gone
                    continue
                found.append((str(p), stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    def get(self) -> Knowledge:
        """The current knowledge; at most every `interval` seconds, reload it if a file changed."""
        now = time.monotonic()
        if now - self._checked >= self.interval and self._lock.acquire(blocking=False):
            try:
                self._checked = now
                self._reload_if_changed()
            finally:
                self._lock.release()
        return self._current

    def refresh(self) -> Knowledge:
        """Reload now if a file changed (after this process saved one), whatever the interval."""
        with self._lock:
            self._checked = time.monotonic()
            self._reload_if_changed()
        return self._current

    def _reload_if_changed(self) -> None:
        signature = self._scan()
        if signature != self._signature:
            self._signature = signature
            self._reload()

    def _reload(self) -> None:
        files = read_files(self.folder)
        try:
            knowledge, problems = load_files(self.folder, files), []
        except KnowledgeError as e:
            knowledge, problems = None, list(e.problems)
        except Exception as e:  # whatever a file does to the loader, it is a warning, never a 500
            log.exception("knowledge files could not be loaded")
            knowledge, problems = None, [Problem(self.folder.name, 1, f"知识库无法加载（{type(e).__name__}），请运行 assistant kb check")]
        version = self._observe(files, knowledge is not None)
        if knowledge is not None:
            self._current, self.files, self.version, self.problems = knowledge, files, version, []
            log.info("knowledge version %s loaded from %s", version, self.folder)
            return
        self.problems = problems
        log.warning("knowledge edit rejected, serving the last good version: %s", self.warnings)
        last = self._last_good()
        if last is not None and (last[0] != self.version or self._current is None):
            try:
                self._current, self.files, self.version = load_files(self.folder, last[1]), last[1], last[0]
            except KnowledgeError as e:  # a version that no longer passes today's checks
                log.error("last good knowledge version %s no longer loads: %s", last[0], e.problems[:3])

    def _observe(self, files: dict[str, bytes], good: bool) -> int | None:
        if self.versions is None:
            return None
        try:
            version = self.versions.observe(files, good)
        except Exception:  # the database is busy or gone: serve the files, try recording again soon
            log.exception("could not record the knowledge version")
            version = None
        if version is None and good:
            self._signature = ()  # the files moved on while we looked, or recording failed: look again
        return version

    def _last_good(self) -> tuple[int, dict[str, bytes]] | None:
        if self.versions is None:
            return None
        try:
            return self.versions.last_good()
        except Exception:
            log.exception("could not read the last good knowledge version")
            return None

