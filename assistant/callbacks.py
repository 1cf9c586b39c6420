"""Callback requests (转人工 / 留言): a citizen the chat could not help asks a member of staff to call back.

The citizen leaves a name, a phone, the question and a preferred time, and must consent to being
called; they get a short reference (`482-917-305`) to read out on the phone or to send in the chat,
which then tells them the request's status and nothing else. Staff list the open requests, take one,
and close it with a note.

Privacy: free text (question, name, preferred time, note) is stored through `mask_text`; the phone is
stored in full — it is needed to call back — and shown masked everywhere, except once after `reveal`,
which writes an audit entry first. Submissions per client are counted in the database, so every
gunicorn worker applies the same limit; the count and the insert share one write transaction, so
concurrent submissions cannot overrun it. Pure: no Flask, no request.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlite_utils

from . import audit
from .db import immediate
from .errors import AssistantError, BadRequest, NotFound, TooManyRequests
from .privacy import mask_phone, mask_text
from .workdays import OFFICE_TZ, WorkCalendar

MAX_NAME_CHARS = 30
MAX_QUESTION_CHARS = 1000
MAX_TIME_CHARS = 100
MAX_NOTE_CHARS = 500

# Where a request stands, in the words the citizen reads in the chat (and staff on their page).
STATUS_LABELS = {"open": "待处理", "taken": "已有工作人员跟进", "closed": "已回电处理"}
OPEN_STATUSES = ("open", "taken")
_STATUS_NEXT = {
    "open": "工作人员会在工作时间尽快按您留下的电话回电，请保持电话畅通。",
    "taken": "工作人员会尽快与您联系，请保持电话畅通。",
    "closed": "如仍有疑问，欢迎再次留言，或拨打12345市民服务热线咨询。",
}


class Conflict(AssistantError):
    """The request is no longer in a state that allows the action (someone else took or closed it)."""

    status = 409


@dataclass(frozen=True)
class Limits:
    """At most `per_client` requests from one client address within `window`."""

    per_client: int = 5
    window: timedelta = timedelta(hours=1)


DEFAULT_LIMITS = Limits()


# ---------------------------------------------------------------- the reference


# Nine digits in three groups, the first digit 2–9: no letter, so `cases.find_case_number` never takes
# it for a case number (those need a letter); too long for the four digits of a case look-up, too
# short for a mobile, never eight digits in a row like a landline, and never starting like 110, 119,
# 120 or 12345, so neither `privacy.mask_text` nor the page's phone links touch it.
_REFERENCE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])([2-9][0-9]{2})[\s\-‐–—]?([0-9]{3})[\s\-‐–—]?([0-9]{3})(?![0-9A-Za-z])")
# Words that say the message is about a request, so an unknown reference gets "not found" rather
# than an answer from the knowledge base.
_ABOUT_REQUEST = re.compile(r"留言|回电|编号|进度|查询|处理")


def new_reference() -> str:
    """A fresh random reference, `ddd-ddd-ddd` (not checked for uniqueness: `create` does that)."""
    digits = f"{secrets.randbelow(8 * 10**8) + 2 * 10**8:09d}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def find_reference(text: str) -> str | None:
    """The reference in a message, as stored (`482-917-305`), whether typed with spaces, dashes,
    full-width digits or none; None when there is none."""
    found = _REFERENCE_IN_TEXT.search(unicodedata.normalize("NFKC", text))
    return "-".join(found.groups()) if found else None


# ---------------------------------------------------------------- checking what the citizen sent


def normalise_phone(phone: object) -> str:
    """The phone in one canonical form: a mainland mobile `13812345678`, a Shanghai landline `021-61234567`.

    Spaces, dashes, dots, brackets, full-width digits and a leading +86 / 0086 / 86 are accepted.
    Raises `BadRequest` with a Chinese message for anything else (other cities' landlines included:
    the office calls back within Shanghai or on a mobile).
    """
    if phone is None or (isinstance(phone, str) and not phone.strip()):
        raise BadRequest("请填写联系电话，方便工作人员回电。")
    if not isinstance(phone, str):
        raise BadRequest("联系电话（phone）应当是一段文字，不能写成数字。")
    text = unicodedata.normalize("NFKC", phone).strip()
    bad = BadRequest("联系电话的格式不对。请填写11位手机号码，或上海的固定电话（8位号码，可加区号021）。")
    if len(text) > 30 or not re.fullmatch(r"\+?[0-9\s\-–—.()]+", text):
        raise bad
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif text.startswith("+"):
        if not digits.startswith("86"):
            raise bad  # another country's number
        digits = digits[2:]
    elif digits.startswith("86") and len(digits) in (12, 13):  # 86 written without the plus
        digits = digits[2:]
    if re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return digits
    if re.fullmatch(r"(?:0?21)?[2-9][0-9]{7}", digits):
        return f"021-{digits[-8:]}"
    raise bad


def _text(value: object, field: str, label: str, limit: int, required: str | None = None) -> str | None:
    """A free-text field, stripped; None when empty and optional. `BadRequest` for the wrong type or length."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(required)
        return None
    if not isinstance(value, str):
        raise BadRequest(f"“{field}”应当是一段文字。")
    value = value.strip()
    if len(value) > limit:
        raise BadRequest(f"{label}太长了（{len(value)}字），请精简到{limit}字以内。")
    return value


@dataclass(frozen=True)
class Submission:
    """A request as checked and ready to store: free text masked, phone normalised."""

    name: str
    phone: str
    question: str
    preferred_time: str | None
    conversation_id: str | None


def check(
    name: object,
    phone: object,
    question: object,
    consent: object,
    preferred_time: object = None,
    conversation_id: object = None,
) -> Submission:
    """What the citizen sent, checked in the order of the form; the first problem raises `BadRequest`.

    `consent` must be exactly `true`: no call without an explicit yes. A `conversation_id` that is not
    one the chat issues is dropped, as the chat itself starts afresh on one.
    """
    name_text = _text(name, "name", "称呼", MAX_NAME_CHARS, required="请填写您的称呼，例如“王先生”。")
    phone_text = normalise_phone(phone)
    question_text = _text(
        question, "question", "问题", MAX_QUESTION_CHARS, required="请写下您想咨询的问题，方便工作人员回电前做好准备。"
    )
    time_text = _text(preferred_time, "preferred_time", "方便回电的时间", MAX_TIME_CHARS)
    if consent is not True:
        raise BadRequest("请勾选同意工作人员使用您留下的电话与您联系，否则我们无法回电。")
    if conversation_id is not None and not isinstance(conversation_id, str):
        raise BadRequest("“conversation_id”应当是一段文字。")
    conversation = conversation_id if conversation_id and re.fullmatch(r"[A-Za-z0-9_-]{16,64}", conversation_id) else None
    return Submission(
        name=mask_text(name_text),
        phone=phone_text,
        question=mask_text(question_text),
        preferred_time=mask_text(time_text) if time_text else None,
        conversation_id=conversation,
    )


# ---------------------------------------------------------------- storing


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def create(
    db: sqlite_utils.Database,
    submission: Submission,
    client: str,
    limits: Limits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> str:
    """Store a checked request and return its new, unique reference.

    Raises `TooManyRequests` when `client` has already made `limits.per_client` requests within
    `limits.window`; only stored requests count. The client address is kept apart from the request
    (table `callback_submissions`) and forgotten once the window has passed.
    """
    now = now or datetime.now(UTC)
    since = _iso(now - limits.window)
    with immediate(db):
        db.execute("delete from callback_submissions where at < ?", [since])
        made = db.execute(
            "select count(*) from callback_submissions where client = ? and at >= ?", [client, since]
        ).fetchone()[0]
        if made >= limits.per_client:
            raise TooManyRequests(
                f"您留言的次数太多了（每小时最多{limits.per_client}条），请稍后再试；急事请拨打12345市民服务热线。"
            )
        reference = new_reference()
        while db.execute("select 1 from callbacks where reference = ?", [reference]).fetchone():
            reference = new_reference()
        db.execute("insert into callback_submissions (client, at) values (?, ?)", [client, _iso(now)])
        db.execute(
            "insert into callbacks (reference, created_at, name, phone, question, preferred_time, "
            "conversation_id, status) values (?, ?, ?, ?, ?, ?, ?, 'open')",
            [
                reference,
                _iso(now),
                submission.name,
                submission.phone,
                submission.question,
                submission.preferred_time,
                submission.conversation_id,
            ],
        )
    return reference


def _row(db: sqlite_utils.Database, reference: str) -> dict:
    row = next(db.query("select * from callbacks where reference = ?", [reference]), None)
    if row is None:
        raise NotFound(f"没有找到回电请求 {reference}。")
    return row


# ---------------------------------------------------------------- what the citizen sees


@dataclass(frozen=True)
class Status:
    """A request as its citizen may see it from the reference alone: nothing personal."""

    reference: str
    status: str
    label: str
    created: date  # office date

    def as_text(self) -> str:
        """The answer in the chat's mark-up."""
        return "\n".join(
            [
                f"**留言 {self.reference}：{self.label}**",
                f"留言日期：{self.created:%Y年%m月%d日}",
                _STATUS_NEXT[self.status],
            ]
        )


def status(db: sqlite_utils.Database, reference: str) -> Status | None:
    """The status of the request with `reference` (as `find_reference` returns it), or None."""
    row = next(db.query("select reference, status, created_at from callbacks where reference = ?", [reference]), None)
    if row is None:
        return None
    created = datetime.fromisoformat(row["created_at"]).astimezone(OFFICE_TZ).date()
    return Status(row["reference"], row["status"], STATUS_LABELS[row["status"]], created)


def chat_reply(db: sqlite_utils.Database, text: str) -> str | None:
    """The chat's answer to a message holding a reference: its status, or that no such request exists.

    None when the message holds no reference, or holds an unknown one without speaking of a request
    (nine digits in a question about something else are left to the knowledge base).
    """
    reference = find_reference(text)
    if reference is None:
        return None
    found = status(db, reference)
    if found is not None:
        return found.as_text()
    rest = _REFERENCE_IN_TEXT.sub("", unicodedata.normalize("NFKC", text))
    if _ABOUT_REQUEST.search(rest) or not re.search(r"\w", rest):
        return (
            f"没有找到留言编号 {reference}。请核对编号（9位数字，提交留言后显示在对话中）；"
            "如需帮助，请拨打12345市民服务热线。"
        )
    return None


# ---------------------------------------------------------------- what staff see and do


def overdue_after(created: datetime, calendar: WorkCalendar) -> datetime:
    """When a request made at `created` has waited one working day: the same time on the next
    working day; for a request made on a day off, the end of the first working day after it."""
    local = created.astimezone(OFFICE_TZ)
    day = local.date()
    if calendar.is_workday(day):
        return datetime.combine(calendar.add(day, 1), local.timetz())
    first = calendar.add(day, 1)
    return datetime.combine(first + timedelta(days=1), time(0), OFFICE_TZ)


def age_text(created: datetime, now: datetime) -> str:
    """How long ago, as people say it: 刚刚, 5 分钟前, 3 小时前, 2 天前."""
    seconds = max(0, int((now - created).total_seconds()))
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{seconds // 60} 分钟前"
    if seconds < 86400:
        return f"{seconds // 3600} 小时前"
    return f"{seconds // 86400} 天前"


@dataclass(frozen=True)
class OpenRequest:
    """One line of the staff list: the phone masked unless this page shows a reveal."""

    reference: str
    name: str
    phone: str  # masked
    full_phone: str | None  # only on the page right after an audited `reveal`
    question: str
    preferred_time: str | None
    status: str
    status_label: str
    taken_by: str | None
    created_at: str  # office time, to the minute
    age: str
    overdue: bool  # waited more than one working day


def open_requests(
    db: sqlite_utils.Database,
    calendar: WorkCalendar,
    now: datetime | None = None,
    revealed: str | None = None,
) -> list[OpenRequest]:
    """Requests not yet closed, oldest first. Read-only, not audited: every phone is masked.

    `revealed` is the reference whose phone `reveal` has just audited: the page shown after that
    POST (post/redirect/get) carries that one number, once.
    """
    now = now or datetime.now(UTC)
    out = []
    rows = db.query(
        "select * from callbacks where status in ('open', 'taken') order by created_at, id",
    )
    for row in rows:
        created = datetime.fromisoformat(row["created_at"])
        status_label = STATUS_LABELS[row["status"]]
        if row["status"] == "taken":
            status_label = f"{row['taken_by']} 正在跟进"
        out.append(
            OpenRequest(
                reference=row["reference"],
                name=row["name"],
                phone=mask_phone(row["phone"]),
                full_phone=row["phone"] if row["reference"] == revealed else None,
                question=row["question"],
                preferred_time=row["preferred_time"],
                status=row["status"],
                status_label=status_label,
                taken_by=row["taken_by"],
                created_at=created.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M"),
                age=age_text(created, now),
                overdue=now > overdue_after(created, calendar),
            )
        )
    return out


def count_open(db: sqlite_utils.Database) -> int:
    """How many requests are waiting for a call back (open or taken, not closed)."""
    return db.execute("select count(*) from callbacks where status in ('open', 'taken')").fetchone()[0]


def reveal(db: sqlite_utils.Database, reference: str, actor: audit.Actor) -> str:
    """The full phone of a request, audited as a reveal before it is returned; `NotFound` if unknown."""
    row = _row(db, reference)
    audit.record(db, actor, "reveal", detail=f"回电请求 {reference} 的联系电话")
    return row["phone"]


def take(db: sqlite_utils.Database, reference: str, user: str, now: datetime | None = None) -> None:
    """`user` takes the request on. Taking one's own again changes nothing; `Conflict` when someone
    else has taken it or it is closed, `NotFound` when unknown."""
    with immediate(db):
        row = _row(db, reference)
        if row["status"] == "closed":
            raise Conflict(f"回电请求 {reference} 已由 {row['closed_by']} 处理完毕。")
        if row["status"] == "taken":
            if row["taken_by"] == user:
                return
            raise Conflict(f"回电请求 {reference} 已由 {row['taken_by']} 跟进。")
        db.execute(
            "update callbacks set status = 'taken', taken_by = ?, taken_at = ? where reference = ?",
            [user, _iso(now or datetime.now(UTC)), reference],
        )


def close(db: sqlite_utils.Database, reference: str, user: str, note: object, now: datetime | None = None) -> None:
    """Close the request with a note of what was done (masked); an open one is taken by `user` on the way.

    `BadRequest` without a note, `Conflict` when it is already closed, `NotFound` when unknown.
    """
    text = _text(note, "note", "处理情况", MAX_NOTE_CHARS, required="请填写处理情况（例如“已回电，告知所需材料”），再办结。")
    with immediate(db):
        row = _row(db, reference)
        if row["status"] == "closed":
            raise Conflict(f"回电请求 {reference} 已由 {row['closed_by']} 处理完毕。")
        at = _iso(now or datetime.now(UTC))
        db.execute(
            "update callbacks set status = 'closed', taken_by = coalesce(taken_by, ?), "
            "taken_at = coalesce(taken_at, ?), closed_by = ?, closed_at = ?, note = ? where reference = ?",
            [user, at, user, at, mask_text(text), reference],
        )
