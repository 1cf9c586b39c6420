"""Editing knowledge items without touching YAML by hand: read, check, save, create, delete, roll back.

The YAML files stay the source of truth (readable diffs; hand edits still work). An item is read as
the plain dict the checks see, plus its `version`: a digest of the file's bytes. A proposed dict is
written into the file's own round-trip tree (ruamel.yaml), so comments, key order and block styles
survive wherever a value did not change; the text is read back with the reader `kb check` uses, and
the whole knowledge, with the item replaced, is checked exactly as `assistant kb check` checks it.
Mistakes come back per field, in Chinese, and nothing is written:

    [{"field": "entries.2.answer", "message": "问题条目第 3 条的“直接回答”：内容太短"}]

Every write happens inside one database transaction (`db.immediate`) that first checks
the file is still at the version the edit started from (else `StaleVersion`, HTTP 409), then writes
the file atomically (a temporary file, then `os.replace`) and records the new knowledge version.

For other modules (the gap list adds a question to an entry), every function takes the database and
the knowledge folder, and `who` is the account name recorded in the version:

    read_item(folder, item_id) -> ItemFile                     # .item (dict), .version, .text
    save_item(db, folder, item_id, item, version, who) -> Saved
    save_text(db, folder, item_id, text, version, who) -> Saved    # the raw file, for experts
    create_item(db, folder, item, who) -> Saved
    delete_item(db, folder, item_id, who, version=None) -> Saved
    add_variant(db, folder, item_id, entry_id, text, who) -> Saved   # a question people ask, to an entry
    add_entry(db, folder, item_id, entry, who) -> Saved               # a new question-level entry
    rollback(db, folder, version_id, who) -> Saved
    sync(db, folder) -> version id                     # record a hand edit now (the CLI's history)

In a web request, call `knowledge_service.refresh()` after a write so this worker serves it at once
(the other workers notice the file within `KNOWLEDGE_RELOAD_SECONDS`).

They raise `InvalidItem` (422, `.errors`), `StaleVersion` (409), `VersionRequired` (428) or
`errors.NotFound` (404). The YAML writing itself is `yamlfile.write_yaml`; trying a draft before
saving (the editor's 试一试) is `selftest.try_draft`. Pure: no Flask.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from . import facts
from . import knowledge_versions as versions
from .db import immediate
from .errors import AssistantError, KnowledgeError, NotFound
from .knowledge import (
    ID_PATTERN,
    REQUIRED_IDS,
    SECTIONS,
    SUBQUESTIONS,
    Apply,
    Entry,
    Fact,
    Fee,
    Item,
    Knowledge,
    Material,
    TimeLimit,
    item_file,
    load_files,
    read_files,
)
from .replies import section, title
from .workdays import office_today
from .yamlfile import MAX_BYTES, Problem, read_yaml_text, write_yaml


class InvalidItem(AssistantError):
    """The proposed item (or the knowledge with it) fails the checks; `errors` names each field."""

    status = 422

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("内容有误，没有保存：" + "；".join(e["message"] for e in errors[:3]))


class StaleVersion(AssistantError):
    """The file changed since the edit started (someone else saved, or a hand edit)."""

    status = 409

    def __init__(self, current: str | None):
        self.current = current
        super().__init__("这个事项在您打开之后已被他人修改（或文件被直接修改），您的修改没有保存。"
                         "请先复制您改动的内容，刷新页面后重新修改。")


class VersionRequired(AssistantError):
    status = 428

    def __init__(self):
        super().__init__("请求缺少 If-Match（打开事项时的版本），没有保存。")


@dataclass(frozen=True)
class ItemFile:
    id: str
    path: str  # relative to the knowledge folder: items/<id>.yaml
    item: dict  # as the checks read it; {} when the file does not parse
    version: str
    text: str
    problems: tuple[str, ...] = ()  # PATH:LINE: message of the file itself, when it is broken

    def as_json(self) -> dict:
        return {"item": self.item, "version": self.version, "text": self.text, "path": self.path,
                "problems": list(self.problems)}


@dataclass(frozen=True)
class Saved:
    version: str | None  # the item file's new version (None once deleted)
    knowledge_version: int  # the knowledge version recorded (`assistant kb history`)
    changed: bool = True  # False: the content was already so, nothing was written


def file_version(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:20]


def item_path(files: dict[str, bytes], item_id: object) -> str:
    """The file of an item (`items/<id>.yaml`); `NotFound` for anything that is not an item id."""
    if not isinstance(item_id, str) or not re.fullmatch(ID_PATTERN, item_id):
        raise NotFound(f"没有这个事项：{item_id}")
    return item_file(files, item_id)


def _rel(folder: Path, path: str) -> str:
    return f"{folder.name}/{path}" if folder.name else path


def _parse(content: bytes, rel: str) -> tuple[object, list[Problem]]:
    problems: list[Problem] = []
    data, _ = read_yaml_text(content, problems, rel)
    return data, problems


# ---------------------------------------------------------------- reading


def read_item(folder: str | Path, item_id: str) -> ItemFile:
    """An item's file as a plain dict plus its version; `NotFound` when there is no such item."""
    folder = Path(folder)
    path = item_path({}, item_id)  # NotFound for anything that is not an id, before touching a file
    if not (folder / path).is_file() and (folder / path).with_suffix(".yml").is_file():
        path = path.removesuffix(".yaml") + ".yml"
    try:
        with open(folder / path, "rb") as f:
            content = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(f"没有这个事项：{item_id}") from None
    data, problems = _parse(content, _rel(folder, path))
    return ItemFile(
        id=item_id, path=path, item=data if isinstance(data, dict) and not problems else {},
        version=file_version(content), text=content.decode("utf-8", "replace"),
        problems=tuple(str(p) for p in problems),
    )


def list_items(folder: str | Path) -> list[dict]:
    """Every item file on disk: id, names, category, number of entries; `broken` when it does not parse."""
    folder = Path(folder)
    out = []
    for path in sorted(folder.glob("items/*.y*ml")):
        with open(path, "rb") as f:
            data, problems = _parse(f.read(MAX_BYTES + 1), _rel(folder, f"items/{path.name}"))
        data = data if isinstance(data, dict) else {}
        out.append({
            "id": path.stem, "path": f"items/{path.name}", "name": str(data.get("name") or path.stem),
            "short_name": str(data.get("short_name") or ""), "category": str(data.get("category") or ""),
            "aliases": _texts(data, "aliases"), "entries": len(_texts(data, "entries")),
            "broken": bool(problems), "required": path.stem in REQUIRED_IDS,
        })
    return out


def _texts(data: dict, key: str) -> list[str]:
    value = data.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


# ---------------------------------------------------------------- writing


def _normalise(value):
    """JSON as the browser sent it, with line breaks as in the files."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


# The order the files write an item's keys in (the models' field order): a new key goes there.
_ORDERS: dict[str, tuple[str, ...]] = {
    "": tuple(Item.model_fields),
    "entries": tuple(Entry.model_fields),
    "facts": tuple(Fact.model_fields),
    "materials": tuple(Material.model_fields),
    "time_limit": tuple(TimeLimit.model_fields),
    "fee": tuple(Fee.model_fields),
    "apply": tuple(Apply.model_fields),
    "answers": SUBQUESTIONS,
    "titles": SECTIONS,
}


def _canonical(item: dict) -> dict:
    """`item` with its keys, and its entries' and materials' keys, in the files' order (however sent)."""

    def ordered(value, order):
        if not isinstance(value, dict):
            return value
        known = [k for k in order if k in value]
        return {k: value[k] for k in (*known, *(k for k in value if k not in order))}

    out = ordered(item, _ORDERS[""])
    for key in ("entries", "materials", "facts"):
        if isinstance(out.get(key), list):
            out[key] = [ordered(v, _ORDERS[key]) for v in out[key]]
    for key in ("time_limit", "fee", "apply", "answers", "titles"):
        if key in out:
            out[key] = ordered(out[key], _ORDERS[key])
    return out


def render(old_text: str | None, old: object, new: dict) -> str:
    """The file's text holding `new`: `old_text` (whose data is `old`) changed only where `new`
    differs, keys in the files' order; `InvalidItem` when no YAML text reads back as `new`."""
    try:
        return write_yaml(old_text, old, _canonical(_normalise(new)))
    except ValueError:
        raise InvalidItem([{"field": "", "message": "这些内容无法写成知识文件，请检查是否有特殊字符。"}]) from None


def write_file(path: Path, content: bytes | None) -> None:
    """Replace `path` atomically (a reader sees the old file or the new, never half of one), or delete it."""
    if content is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # not *.yaml: never loaded
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- checking


def _problems(folder: Path, files: dict[str, bytes]) -> list[Problem]:
    try:
        load_files(folder, files)
    except KnowledgeError as e:
        return list(e.problems)
    return []


def check(folder: str | Path, before: dict[str, bytes], after: dict[str, bytes], path: str) -> tuple[list[dict], bool]:
    """The errors `after` (the knowledge with `path` changed) has that `before` did not, and whether
    `after` passes `assistant kb check` as a whole.

    Problems of the changed file are all reported; problems of other files only when the change
    caused them (an item deleted that another's `related` names), not those already there.
    """
    folder = Path(folder)
    problems = _problems(folder, after)
    if not problems:
        return [], True
    own = _rel(folder, path)
    mine = [p for p in problems if p.path == own]
    if any(p.field for p in mine):  # a required item that fails its checks is not "missing" as well
        mine = [p for p in mine if p.field or not p.message.startswith("缺少必备事项")]
    others = [p for p in problems if p.path != own]
    if others:
        already = {(p.path, p.message) for p in _problems(folder, before)}
        others = [p for p in others if (p.path, p.message) not in already]
    return [error_of(p, own) for p in (*mine, *others)], False


def check_item(folder: str | Path, item_id: str, item: object) -> list[dict]:
    """The errors the proposed item would have, checked with the whole knowledge on disk; nothing is written."""
    folder = Path(folder)
    files = read_files(folder)
    path = item_path(files, item_id)
    content = render_item(files, path, item)
    return check(folder, files, {**files, path: content}, path)[0]


def render_item(files: dict[str, bytes], path: str, item: object) -> bytes:
    """The bytes `item` would be saved as at `path`, given the current `files` (comments kept)."""
    if not isinstance(item, dict):
        raise InvalidItem([{"field": "", "message": "item 应当是“字段: 值”的对象。"}])
    old_text, old = None, None
    if path in files:
        data, problems = _parse(files[path], path)
        if not problems:
            old_text, old = files[path].decode("utf-8"), data
    return render(old_text, old, item).encode("utf-8")


# ---------------------------------------------------------------- saving


def _commit(db: sqlite_utils.Database, folder: Path, base: dict[str, bytes], changes: dict[str, bytes | None],
            who: str, note: str, good: bool, expect: dict[str, str | None]) -> int:
    """Write `changes` (path → content, None deletes) and record the version, in one locked transaction.

    `expect` names each file's version the change was checked against (None: must not exist); a
    file that moved on meanwhile is `StaleVersion`. If another file changed meanwhile, the change
    is checked again against the files as they are now.
    """
    with immediate(db):
        disk = read_files(folder)
        for path, version in expect.items():
            now = file_version(disk[path]) if path in disk else None
            if now != version:
                if version is None:
                    raise InvalidItem([{"field": "id", "message": "“编号（id）”：已有这个 id 的事项，请换一个。"}])
                raise StaleVersion(now)
        after = {k: v for k, v in {**disk, **changes}.items() if v is not None}
        if disk != base:
            errors, good = check(folder, disk, after, next(iter(changes)))
            if errors:
                raise InvalidItem(errors)
        latest = versions.latest(db)
        if latest is None or latest[1] != versions.digest_of(disk):  # an unrecorded hand edit: its own version
            versions.record(db, disk, versions.FILE, "手工修改" if latest else "", not _problems(folder, disk))
        for path, content in changes.items():
            write_file(folder / path, content)
        return versions.record(db, after, who, note, good)


def _file_at(folder: str | Path, item_id: str, version: str | None) -> tuple[Path, dict[str, bytes], str]:
    """The knowledge files and the item's path in them, if the item exists and its file is still at
    `version` (the one the editor opened): `NotFound`, `VersionRequired` or `StaleVersion` if not."""
    folder = Path(folder)
    base = read_files(folder)
    path = item_path(base, item_id)
    if path not in base:
        raise NotFound(f"没有这个事项：{item_id}")
    if not version:
        raise VersionRequired()
    if file_version(base[path]) != version:
        raise StaleVersion(file_version(base[path]))
    return folder, base, path


def _replace(db: sqlite_utils.Database, folder: Path, base: dict[str, bytes], path: str, content: bytes,
             version: str, who: str, note: str) -> Saved:
    """Write `content` as the file at `path` if it passes `kb check`'s checks, as a new version."""
    if content == base[path]:
        latest = versions.latest(db)
        return Saved(version, latest[0] if latest else 0, changed=False)
    errors, good = check(folder, base, {**base, path: content}, path)
    if errors:
        raise InvalidItem(errors)
    number = _commit(db, folder, base, {path: content}, who, note, good, {path: version})
    return Saved(file_version(content), number)


def save_item(db: sqlite_utils.Database, folder: str | Path, item_id: str, item: object,
              version: str | None, who: str, note: str = "网页保存") -> Saved:
    """Replace an item with `item` if its file is still at `version`; check first, write nothing on error."""
    folder, base, path = _file_at(folder, item_id, version)
    if isinstance(item, dict) and item.get("id") != item_id:
        raise InvalidItem([{"field": "id", "message": "“编号（id）”：已有事项的 id 不能修改（其他工具按 id 引用事项）。"}])
    return _replace(db, folder, base, path, render_item(base, path, item), version, who, note)


def save_text(db: sqlite_utils.Database, folder: str | Path, item_id: str, text: object,
              version: str | None, who: str) -> Saved:
    """Replace an item's file with `text` as typed (the editor's raw view, for experts): same checks,
    same versions; errors name the line."""
    folder, base, path = _file_at(folder, item_id, version)
    if not isinstance(text, str):
        raise InvalidItem([{"field": "", "message": "text 应当是文件的全文。"}])
    return _replace(db, folder, base, path, text.replace("\r\n", "\n").encode("utf-8"), version, who, "网页保存（原文）")


def create_item(db: sqlite_utils.Database, folder: str | Path, item: object, who: str) -> Saved:
    """A new item file `items/<id>.yaml`; `InvalidItem` when the id is taken or anything fails the checks."""
    folder = Path(folder)
    item_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(item_id, str) or not re.fullmatch(ID_PATTERN, item_id):
        raise InvalidItem([{"field": "id", "message": "“编号（id）”：只能用小写字母、数字和连字符，例如 shelter-rental。"}])
    base = read_files(folder)
    path = item_file(base, item_id)
    if path in base:
        raise InvalidItem([{"field": "id", "message": "“编号（id）”：已有这个 id 的事项，请换一个。"}])
    content = render_item(base, path, item)
    errors, good = check(folder, base, {**base, path: content}, path)
    if errors:
        raise InvalidItem(errors)
    number = _commit(db, folder, base, {path: content}, who, "新建事项", good, {path: None})
    return Saved(file_version(content), number)


def delete_item(db: sqlite_utils.Database, folder: str | Path, item_id: str, who: str,
                version: str | None = None) -> Saved:
    """Delete an item's file; never a required item (`REQUIRED_IDS`), nor one another item still names."""
    folder = Path(folder)
    if item_id in REQUIRED_IDS:
        raise InvalidItem([{"field": "id", "message": f"“{item_id}”是必备事项，其他工具和评测都按这个 id 引用它，不能删除；可以修改它的内容。"}])
    base = read_files(folder)
    path = item_path(base, item_id)
    if path not in base:
        raise NotFound(f"没有这个事项：{item_id}")
    if version and file_version(base[path]) != version:
        raise StaleVersion(file_version(base[path]))
    after = {k: v for k, v in base.items() if k != path}
    errors, good = check(folder, base, after, path)
    if errors:
        raise InvalidItem(errors)
    number = _commit(db, folder, base, {path: None}, who, "删除事项", good, {path: file_version(base[path])})
    return Saved(None, number)


def _update(db, folder: str | Path, item_id: str, change, who: str, note: str) -> Saved:
    """Read the item, apply `change(dict) -> dict`, save; retried if someone saved in between."""
    for _ in range(3):
        current = read_item(folder, item_id)
        if current.problems:
            raise InvalidItem([{"field": "", "message": "这个事项的文件现在有错误，请先在知识库编辑器里修正：" + current.problems[0]}])
        try:
            return save_item(db, folder, item_id, change(current.item), current.version, who, note)
        except StaleVersion:
            continue
    raise StaleVersion(None)


def add_variant(db: sqlite_utils.Database, folder: str | Path, item_id: str, entry_id: str, text: str, who: str) -> Saved:
    """Add `text` to an entry's `variants` (another way people ask it); nothing if it is already there."""
    text = text.strip() if isinstance(text, str) else ""

    def change(item: dict) -> dict:
        entries = item.get("entries") if isinstance(item.get("entries"), list) else []
        for entry in entries:
            if isinstance(entry, dict) and entry.get("id") == entry_id:
                variants = entry.get("variants") if isinstance(entry.get("variants"), list) else []
                if text not in variants:
                    entry["variants"] = [*variants, text]
                return item
        raise NotFound(f"事项“{item_id}”里没有问题条目“{entry_id}”")

    if not text:
        raise InvalidItem([{"field": "variants", "message": "“其他问法”：请填写要加入的问法。"}])
    return _update(db, folder, item_id, change, who, f"加入问法（{entry_id}）")


def add_entry(db: sqlite_utils.Database, folder: str | Path, item_id: str, entry: dict, who: str) -> Saved:
    """Append a question-level entry (`{"id", "question", "answer", "sources", ...}`) to an item."""

    def change(item: dict) -> dict:
        entries = item.get("entries") if isinstance(item.get("entries"), list) else []
        item["entries"] = [*entries, entry]
        return item

    return _update(db, folder, item_id, change, who, f"新增问题条目（{entry.get('id') if isinstance(entry, dict) else ''}）")


def rollback(db: sqlite_utils.Database, folder: str | Path, version_id: int, who: str) -> Saved:
    """Make an earlier good version's files current again, recorded as a new version.

    `changed` is False (and nothing recorded) when the files already are that version's.
    """
    folder = Path(folder)
    target = versions.get(db, version_id)
    if target is None:
        raise NotFound(f"没有版本 {version_id}。")
    if not target.good:
        raise AssistantError(f"版本 {version_id} 有错误（从未启用），不能回滚到它。", 422)
    files = versions.files_of(db, version_id)
    problems = _problems(folder, files)
    if problems:
        raise AssistantError(f"版本 {version_id} 已不能通过现在的检查，不能回滚到它：{problems[0]}", 422)
    with immediate(db):
        disk = read_files(folder)
        latest = versions.latest(db)
        if versions.digest_of(disk) == versions.digest_of(files):
            return Saved(None, latest[0] if latest else version_id, changed=False)
        if latest is None or latest[1] != versions.digest_of(disk):
            versions.record(db, disk, versions.FILE, "手工修改" if latest else "", not _problems(folder, disk))
        for path in sorted(set(disk) | set(files)):
            if disk.get(path) != files.get(path):
                write_file(folder / path, files.get(path))
        return Saved(None, versions.record(db, files, who, f"回滚到版本 {version_id}", True))


def sync(db: sqlite_utils.Database, folder: str | Path) -> int | None:
    """Record the files on disk as a version (`who` is `file`) if they changed since the newest one,
    as a worker's reload would; returns the version holding them (None: they changed meanwhile)."""
    folder = Path(folder)
    files = read_files(folder)
    return versions.observe(db, folder, files, not _problems(folder, files))


# ---------------------------------------------------------------- previewing


def preview(knowledge: Knowledge, item_id: str, today: date | None = None) -> dict | None:
    """The item as the public sees it: its summary, each 办事指南 section, each entry's direct answer."""
    item = knowledge.items.get(item_id)
    if item is None:
        return None
    today = today or office_today()
    return {
        "name": item.name,
        "summary": facts.text(knowledge, item.id, item.summary, today),
        "guide": [
            {"key": key, "title": title(item, key, knowledge), "text": facts.text(knowledge, item.id, text, today)}
            for key in SECTIONS if key != "summary" and (text := section(item, key, knowledge))
        ],
        "entries": [
            {"id": e.id, "question": e.question, "answer": facts.text(knowledge, item.id, e.answer, today),
             "sources": list(e.sources)}
            for e in item.entries
        ],
        "sources": list(item.sources),
    }


# ---------------------------------------------------------------- errors in Chinese, by field

FIELD_LABELS = {
    "id": "编号（id）", "name": "正式名称", "short_name": "简称", "category": "类别", "aliases": "其他叫法",
    "keywords": "关键词", "intents": "意图词", "summary": "简介", "conditions": "受理条件", "materials": "申请材料",
    "process": "办理流程", "legal_basis": "法律依据", "time_limit": "办理时限", "fee": "收费",
    "apply": "办理方式", "answers": "栏目的简短回答", "entries": "问题条目", "facts": "事实", "titles": "栏目标题",
    "related": "相关事项", "actions": "页面工具", "questions": "示例问题", "sources": "出处",
}
PART_LABELS = {
    "time_limit": {"statutory_days": "法定时限（工作日）", "promised_days": "承诺时限（工作日）", "note": "说明"},
    "fee": {"charged": "是否收费", "note": "说明"},
    "apply": {"online": "网上办理", "window": "窗口办理"},
    "materials": {"name": "名称", "form": "形式", "copies": "份数", "note": "说明", "required": "必须提交"},
    "entries": {"id": "编号（id）", "question": "问题", "variants": "其他问法", "keywords": "关键词",
                "answer": "直接回答", "sources": "出处"},
    "facts": {"id": "编号（id）", "label": "名称", "value": "内容", "source": "出处", "ask": "在此之前去哪里问"},
}
SECTION_LABELS = {
    "summary": "简介", "conditions": "条件", "materials": "材料", "time": "时限", "fee": "费用",
    "where": "地点和方式", "process": "流程", "basis": "依据", "contact": "联系",
}


def field_label(field: str) -> str:
    """A field's path in words: `entries.2.answer` → 问题条目第 3 条的“直接回答”."""
    parts = [p for p in field.split(".") if p]
    if not parts:
        return "事项"
    top, rest = parts[0], parts[1:]
    name = FIELD_LABELS.get(top, top)
    if rest and rest[0].isdigit():
        label = f"{name}第 {int(rest[0]) + 1} 条" if top in PART_LABELS else f"“{name}”第 {int(rest[0]) + 1} 条"
        rest = rest[1:]
    else:
        label = f"“{name}”"
    if rest:
        part = PART_LABELS.get(top, {}).get(rest[0]) or SECTION_LABELS.get(rest[0], rest[0])
        label += f"的“{part}”"
        if len(rest) > 1 and rest[1].isdigit():
            label += f"第 {int(rest[1]) + 1} 条"
    return label


def error_of(problem: Problem, own_path: str) -> dict:
    """A problem as the editor shows it: the field's path, and a Chinese message that names the field."""
    if problem.path != own_path:
        return {"field": "", "message": f"{problem.path} 第 {problem.line} 行：{problem.message}"}
    if not problem.field:
        return {"field": "", "message": f"第 {problem.line} 行：{problem.message}"}
    message = problem.message.removeprefix(f"{problem.field}：")
    return {"field": problem.field, "message": f"{field_label(problem.field)}：{message}"}
