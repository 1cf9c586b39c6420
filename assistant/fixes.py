"""One-click fixes from a row of what to fix next (`gaps.py`).

The row's page offers three fixes, each one form: a wording of an entry (knowledge_edit.add_variant)
or of the item as a whole (`add_question`), a new entry (knowledge_edit.add_entry), or another
department's business (`add_referral`). All are checked as `assistant kb check` checks and recorded
as knowledge versions, so `assistant kb history` shows who did it and a rollback undoes it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from . import knowledge_edit, knowledge_versions
from .db import immediate
from .errors import BadRequest
from .knowledge import Knowledge, load_files, read_files
from .matcher import match
from .normalise import clean
from .settings import Thresholds
from .workdays import OFFICE_TZ
from .yamlfile import read_yaml_text

REFERRALS = "referrals.yaml"
_KEYWORD_SPLIT = re.compile(r"[,，、;；\s]+")
_ALLOWED_NUMBERS = {"12345", "110", "119", "120"}  # referrals.yaml: no other phone in a reply
REFERRAL_PLACEHOLDER = "（部门名称）"


def add_question(db: sqlite_utils.Database, folder: str | Path, item_id: str, text: str, who: str) -> knowledge_edit.Saved:
    """Add `text` to an item's example questions (`questions`): a wording of the item as a whole.

    Nothing is written when it is there already (`Saved.changed` is False).
    """
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise knowledge_edit.InvalidItem([{"field": "questions", "message": "“示例问题”：请填写要加入的问法。"}])
    current = knowledge_edit.read_item(folder, item_id)
    if current.problems:
        raise knowledge_edit.InvalidItem(
            [{"field": "", "message": "这个事项的文件现在有错误，请先在知识库编辑器里修正：" + current.problems[0]}]
        )
    item = dict(current.item)
    questions = item.get("questions") if isinstance(item.get("questions"), list) else []
    if text in questions:
        return knowledge_edit.Saved(current.version, 0, changed=False)
    item["questions"] = [*questions, text]
    return knowledge_edit.save_item(db, folder, item_id, item, current.version, who, "加入示例问题（待改进的问题）")


@dataclass(frozen=True)
class ReferralDraft:
    """A referral as an administrator typed it, checked: `referrals.yaml` takes it as it is."""

    topic: str
    keywords: tuple[str, ...]
    reply: str


def check_referral(topic: object, keywords: object, reply: object) -> ReferralDraft:
    """The form's fields, checked under referrals.yaml's own rules; `BadRequest` in Chinese otherwise.

    Keywords are separated by commas, 、 or spaces; each names the topic in two characters or more
    (a single character would catch the office's own questions). The reply names the department and
    12345 / 一网通办, and no phone but 12345, 110, 119, 120.
    """
    topic = topic.strip() if isinstance(topic, str) else ""
    if not 2 <= len(topic) <= 40:
        raise BadRequest("请填写话题（2至40个字），例如“宠物走失”。")
    words = tuple(dict.fromkeys(w for w in _KEYWORD_SPLIT.split(keywords if isinstance(keywords, str) else "") if w))
    if not words:
        raise BadRequest("请至少填写一个关键词：问题里能明确指向这个话题的词，用逗号或顿号分开。")
    short = [w for w in words if len(w) < 2]
    if short:
        raise BadRequest(f"关键词至少两个字：“{short[0]}”太短，会把本办的问题也转走。")
    if len(words) > 30 or any(len(w) > 20 for w in words):
        raise BadRequest("关键词太多或太长：最多30个，每个不超过20个字。")
    reply = " ".join(reply.split()) if isinstance(reply, str) else ""
    if not 10 <= len(reply) <= 500:
        raise BadRequest("请填写给群众的答复（10至500个字）：由哪个部门负责，以及一网通办或12345市民服务热线。")
    if REFERRAL_PLACEHOLDER in reply:
        raise BadRequest(f"请把答复里的“{REFERRAL_PLACEHOLDER}”换成负责的部门。")
    numbers = [n for n in re.findall(r"\d{3,}", reply) if n not in _ALLOWED_NUMBERS]
    if numbers:
        raise BadRequest(f"答复里不要写电话或号码（{numbers[0]}）：只写部门名称和12345市民服务热线，电话可能变动，无法保证准确。")
    return ReferralDraft(topic, words, reply)


def _referral_text(draft: ReferralDraft, referral_id: str, indent: str, note: str) -> str:
    """The referral as YAML lines at `indent`, every text JSON-quoted (a valid YAML double-quoted scalar)."""

    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    pad = indent + "  "
    return (
        f"{indent}# {note}\n"
        f"{indent}- id: {referral_id}\n"
        f"{pad}topic: {quoted(draft.topic)}\n"
        f"{pad}keywords: [{', '.join(quoted(k) for k in draft.keywords)}]\n"
        f"{pad}reply: {quoted(draft.reply)}\n"
    )


def _appended(content: bytes, draft: ReferralDraft, referral_id: str, note: str) -> bytes:
    """`referrals.yaml` with the referral appended as text, so every comment and line stays as it was.

    The result must read back as the same list plus the new referral; a file laid out otherwise (the
    list not last, flow style) is refused rather than rewritten.
    """
    text = content.decode("utf-8")
    indents = re.findall(r"^([ \t]*)- id:", text, flags=re.MULTILINE)
    indent = indents[-1] if indents else "  "
    new = text if text.endswith("\n") or not text else text + "\n"
    new += "\n" + _referral_text(draft, referral_id, indent, note)
    entry = {"id": referral_id, "topic": draft.topic, "keywords": list(draft.keywords), "reply": draft.reply}
    expected = [*_referral_list(content), entry]
    new_data = read_yaml_text(new.encode("utf-8"), [], REFERRALS)[0]
    if not isinstance(new_data, dict) or new_data.get("referrals") != expected:
        raise BadRequest("referrals.yaml 的写法不是常见的格式（转介列表不在文件末尾），无法自动追加。请在服务器上手工添加，或联系技术人员。")
    return new.encode("utf-8")


def _referral_list(content: bytes) -> list:
    """The referrals in the file's bytes as plain data (read with the checks' own limits); [] if none."""
    data = read_yaml_text(content, [], REFERRALS)[0]
    found = data.get("referrals") if isinstance(data, dict) else None
    return found if isinstance(found, list) else []


def add_referral(
    db: sqlite_utils.Database,
    folder: str | Path,
    draft: ReferralDraft,
    who: str,
    question: str | None = None,
    thresholds: Thresholds | None = None,
) -> int:
    """Append a referral to `referrals.yaml` and record it as a knowledge version; returns that version.

    Written atomically, only if the whole knowledge with it passes `assistant kb check`, and only if
    it does what it is for: `question` (the row's wording) is then referred by it, and no example
    question of the office's own items is (a keyword like 车位 would send the office's own questions
    away). Either failure is a `BadRequest` naming the question; nothing is written.
    """
    folder = Path(folder)
    t = thresholds or Thresholds()
    base = read_files(folder)
    known = {r.get("id") for r in _referral_list(base.get(REFERRALS, b"")) if isinstance(r, dict)}
    referral_id = "fix-" + hashlib.sha256(draft.topic.encode("utf-8")).hexdigest()[:8]
    while referral_id in known:
        referral_id += "-1"
    day = datetime.now(OFFICE_TZ).date().isoformat()
    note = f"{who} 于 {day} 在“待改进的问题”中添加" + (f"（群众问：{' '.join(question.split())[:60]}）" if question else "")
    content = _appended(base.get(REFERRALS, b"referrals:\n"), draft, referral_id, note)
    after = {**base, REFERRALS: content}
    errors, good = knowledge_edit.check(folder, base, after, REFERRALS)
    if errors:
        raise BadRequest("转介没有加入：" + "；".join(e["message"] for e in errors[:3]))
    if not good:  # another file is broken: what the site would serve with the referral cannot be tried
        raise BadRequest("知识库现在有错误（见管理看板的“知识库警告”），请先修正，再添加转介。")
    _check_referral_reach(load_files(folder, after), referral_id, draft, question, t)
    with immediate(db):
        disk = read_files(folder)
        if disk != base:
            raise knowledge_edit.StaleVersion(None)
        latest = knowledge_versions.latest(db)
        if latest is None or latest[1] != knowledge_versions.digest_of(disk):  # an unrecorded hand edit first
            knowledge_versions.record(db, disk, knowledge_versions.FILE, "手工修改" if latest else "", True)
        knowledge_edit.write_file(folder / REFERRALS, content)
        return knowledge_versions.record(db, after, who, f"新增转介（{draft.topic}）", good)


def _check_referral_reach(
    knowledge: Knowledge, referral_id: str, draft: ReferralDraft, question: str | None, t: Thresholds
) -> None:
    def referred(text: str) -> bool:
        d = match(knowledge, text, answer_threshold=t.answer, decline_threshold=t.decline, clarify_margin=t.clarify_margin)
        return d.kind == "decline" and d.referral is not None and d.referral.id == referral_id

    if question and not referred(question):
        raise BadRequest(f"加入后，“{question}”仍不会被转介：请把问题里能指向这个话题的词写进关键词。转介没有加入。")
    flat = [clean(k).replace(" ", "") for k in draft.keywords]
    for item in knowledge.items.values():
        examples = [*item.questions, *(q for e in item.entries for q in (e.question, *e.variants))]
        for example in examples:
            cleaned = clean(example).replace(" ", "")
            if any(k and k in cleaned for k in flat) and referred(example):
                raise BadRequest(
                    f"这些关键词会把本办的问题也转走：例如“{example}”（{item.short_name}）加入后会被转介。"
                    "请换更具体的关键词。转介没有加入。"
                )
