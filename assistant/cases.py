"""Applications (办件): what an applicant may see of their own case, and the rules for seeing it.

A case is shown only to someone who proves they own it — the case number plus the last four digits of
the contact phone — and what they see (`CaseView`) never holds the phone, the applicant's name or any
other personal data. An unknown case number and wrong digits get the very same answer, so nobody
can probe which numbers exist. Failed attempts are recorded in the database (shared by every
gunicorn worker): after too many for one case, or from one client, look-ups are refused for a while.

Unlike a reply's wording, the status wording is code, not knowledge: the status codes and their labels
are the import contract (`../shared/spec/contracts.md`), and each status's sentences for the applicant
and for staff, like the reminder texts, go with the rules that pick them (`open`, `clock`, the
supplement deadline), which an edit of `knowledge/` cannot change.
"""

from __future__ import annotations

import hmac
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlite_utils

from .db import immediate
from .errors import BadRequest, NotFound, TooManyRequests
from .knowledge import Knowledge
from .settings import LookupLimits
from .workdays import WorkCalendar, office_today


@dataclass(frozen=True)
class Status:
    label: str  # what the approval system calls it (the import contract lists code and label)
    step: str  # where the case is, in plain words, said to the applicant
    next: str  # what the applicant should do now, said to the applicant
    staff_step: str  # where the case is, said to the window staff (the applicant is "申请人", never "您")
    staff_next: str  # what the applicant should do now, as staff read it before telling them
    open: bool = True
    clock: bool = False  # the processing time is running, so the expected completion date means something


STATUSES: dict[str, Status] = {
    "pre_review": Status(
        "预审中",
        "窗口正在预审您提交的材料，看是否齐全、是否符合要求。",
        "请保持电话畅通；如需补充材料，窗口会与您联系。",
        "窗口正在预审申请人提交的材料，看是否齐全、是否符合要求。",
        "申请人保持电话畅通即可；如需补充材料，由窗口联系申请人。",
    ),
    "accepted": Status(
        "已受理",
        "申请已正式受理，即将进入审查。",
        "目前无需您做什么，请留意后续通知。",
        "申请已正式受理，即将进入审查。",
        "申请人目前无需做什么，留意后续通知即可。",
        clock=True,
    ),
    "in_review": Status(
        "审查中",
        "申请正在审查，必要时会组织现场踏勘或专家评审。",
        "目前无需您做什么；如审查中发现问题，窗口会与您联系。",
        "申请正在审查，必要时会组织现场踏勘或专家评审。",
        "申请人目前无需做什么；如审查中发现问题，由窗口联系申请人。",
        clock=True,
    ),
    "needs_supplement": Status(
        "待补正",
        "审查发现材料缺失或不符合要求，需要您补正。",
        "请按下列清单补齐材料，在截止日期前通过原渠道（网上或窗口）提交。",
        "审查发现材料缺失或不符合要求，申请人需要补正。",
        "申请人应按下列清单补齐材料，在补正截止日期前通过原渠道（网上或窗口）提交。",
    ),
    "completed": Status(
        "已办结",
        "办件已办结。",
        "请通过“一网通办”查看或按通知领取办理结果。",
        "办件已办结。",
        "申请人可通过“一网通办”查看，或按通知领取办理结果。",
        open=False,
    ),
    "rejected": Status(
        "不予许可",
        "办件已办结，结果为不予许可。",
        "不予许可决定书会说明理由和您可以申请复议或提起诉讼的途径；如有疑问，请联系窗口。",
        "办件已办结，结果为不予许可。",
        "不予许可决定书写明了理由和申请人可以申请复议或提起诉讼的途径；申请人如有疑问，可联系窗口。",
        open=False,
    ),
    "withdrawn": Status(
        "已撤回",
        "申请已撤回，办理终止。",
        "如需重新办理，请重新提交申请。",
        "申请已撤回，办理终止。",
        "申请人如需重新办理，须重新提交申请。",
        open=False,
    ),
}

# A case number as typed in a chat message: letters, digits and hyphens, with at least one letter and
# three digits (so that a phone number or the four digits are never taken for one).
_CASE_NO_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Za-z])(?=(?:[^0-9\s]*\d){3})[A-Za-z0-9][A-Za-z0-9_-]{4,63}")


def normalise_case_no(case_no: str) -> str:
    """Case numbers compare without regard to width, case or surrounding space: `ｒｆ-0001` is `RF-0001`."""
    return unicodedata.normalize("NFKC", case_no).strip().upper()


# Codes that look like case numbers but never are: a resident ID (18 characters, may end in X, or
# the old 15 digits), and national, trade and international standards (GB50038-2005, JGJ 59,
# ISO9001). 沪国动〔2025〕4号 and other document numbers have no Latin letter, so never match.
_ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")
_STANDARD = re.compile(
    r"(?:GB|GBT|GBJ|JGJ|JGT|CJJ|CJ|CECS|DB\d*|DBJ\d*|DGJ\d*|RFJ|HJ|JG|GA|JTG|TB|SL|DL|YB|QB|"
    r"ISO|IEC|EN|ASTM|BS|DIN|ANSI|IEEE|NFPA|UL)[-_]?\d"
)


def find_case_number(text: str) -> str | None:
    """The case number in a chat message, normalised, or None (never an ID number or a standard)."""
    for found in _CASE_NO_IN_TEXT.finditer(unicodedata.normalize("NFKC", text)):
        token = normalise_case_no(found.group(0))
        if not _ID_NUMBER.fullmatch(token) and not _STANDARD.match(token):
            return token
    return None


def expected_due(knowledge: Knowledge, item_id: str, submitted: date) -> date | None:
    """The promised completion date: submission plus the item's promised (else statutory) working days."""
    item = knowledge.items.get(item_id)
    limit = item.time_limit if item else None
    days = limit and (limit.promised_days if limit.promised_days is not None else limit.statutory_days)
    return knowledge.calendar.add(submitted, days) if days else None


# ---------------------------------------------------------------- what the applicant sees


@dataclass(frozen=True)
class Reminder:
    case_no: str
    kind: str  # "supplement" (补正截止) or "completion" (承诺办结)
    due: date
    working_days_left: int
    text: str

    def as_json(self) -> dict:
        return {
            "case_no": self.case_no,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "working_days_left": self.working_days_left,
            "text": self.text,
        }


def _days_phrase(left: int) -> str:
    if left > 0:
        return f"还有{left}个工作日"
    if left == 0:
        return "今天到期"
    return f"已超过{-left}个工作日"


def case_reminders(row: dict, item_name: str, calendar: WorkCalendar, today: date) -> list[Reminder]:
    """The deadlines of an open case, soonest first, each with a polite text ready to send."""
    status = STATUSES.get(row["status"])
    if status is None or not status.open:
        return []
    out = []
    case_no = row["case_no"]
    if row["status"] == "needs_supplement" and row.get("supplement_due"):
        due = date.fromisoformat(row["supplement_due"])
        left = calendar.between(today, due)
        missing = "；".join(json.loads(row.get("missing_materials") or "[]")) or "窗口告知的材料"
        text = (
            f"您好！您的办件 {case_no}（{item_name}）需要补正材料：{missing}。"
            f"请于{due:%Y年%m月%d日}前提交（{_days_phrase(left)}）。如已提交，请忽略本提醒。"
        )
        out.append(Reminder(case_no, "supplement", due, left, text))
    if row.get("due_date") and status.clock:
        due = date.fromisoformat(row["due_date"])
        left = calendar.between(today, due)
        if left >= 0:
            text = (
                f"您好！您的办件 {case_no}（{item_name}）预计于{due:%Y年%m月%d日}前办结"
                f"（{_days_phrase(left)}），办结后请留意通知。"
            )
        else:
            text = (
                f"您好！您的办件 {case_no}（{item_name}）已超过预计办结日期"
                f"（{due:%Y年%m月%d日}），我们正在加紧办理，如有疑问请联系窗口。"
            )
        out.append(Reminder(case_no, "completion", due, left, text))
    return sorted(out, key=lambda r: r.due)


@dataclass(frozen=True)
class CaseView:
    """A case as its owner may see it: no phone, no applicant name, no staff notes."""

    case_no: str
    item_id: str
    item_name: str
    status: str
    status_label: str
    step: str
    next_step: str
    submitted_at: str
    updated_at: str | None
    due_date: str | None
    due_date_computed: bool
    supplement_due: str | None
    missing_materials: list[str]
    history: list[dict] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    demo: bool = False

    def as_text(self) -> str:
        """The answer in the chat's mark-up (lines, `- ` lists, **bold**), to be read top to bottom.

        What to do next comes before the list it points to (请按下列清单…), and each deadline is said
        once, with the working days left beside it: the reminders' own texts, written to be sent on
        their own as a message, would only repeat the materials and dates above them.
        """
        lines = [f"**办件 {self.case_no}：{self.status_label}**"]
        if self.demo:
            lines.append("（这是演示数据，仅供试用。）")
        lines += [f"事项：{self.item_name}", f"提交日期：{self.submitted_at[:10]}", f"当前进度：{self.step}"]
        lines.append(f"下一步：{self.next_step}")
        if self.missing_materials:
            lines.append("**需要补正的材料：**")
            lines += [f"- {m}" for m in self.missing_materials]
        left = {r.kind: r.working_days_left for r in self.reminders}
        if self.supplement_due and self.status == "needs_supplement":
            days = f"（{_days_phrase(left['supplement'])}）" if "supplement" in left else ""
            lines.append(f"补正截止日期：**{self.supplement_due}**{days}")
        if self.due_date and STATUSES[self.status].clock:
            notes = []
            if "completion" in left:
                notes.append(_days_phrase(left["completion"]))
                if left["completion"] < 0:
                    notes.append("我们正在加紧办理，如有疑问请联系窗口")
            if self.due_date_computed:
                notes.append("按办理时限推算，以窗口通知为准")
            lines.append(f"预计办结日期：{self.due_date}" + (f"（{'；'.join(notes)}）" if notes else ""))
        return "\n".join(lines)


def view(knowledge: Knowledge, row: dict, db: sqlite_utils.Database | None = None, today: date | None = None) -> CaseView:
    """The applicant's view of one case row (and its status history when `db` is given)."""
    today = today or office_today()
    item = knowledge.items.get(row["item_id"])
    item_name = item.name if item else row["item_id"]
    status = STATUSES[row["status"]]
    history = []
    if db is not None:
        history = [
            {"status": h["status"], "status_label": STATUSES[h["status"]].label, "changed_at": h["changed_at"]}
            for h in db.query(
                "select status, changed_at from case_history where case_no = ? order by changed_at, id",
                [row["case_no"]],
            )
            if h["status"] in STATUSES
        ]
    return CaseView(
        case_no=row["case_no"],
        item_id=row["item_id"],
        item_name=item_name,
        status=row["status"],
        status_label=status.label,
        step=status.step,
        next_step=status.next,
        submitted_at=row["submitted_at"],
        updated_at=row.get("updated_at"),
        due_date=row.get("due_date"),
        due_date_computed=bool(row.get("due_date_computed")),
        supplement_due=row.get("supplement_due"),
        missing_materials=json.loads(row.get("missing_materials") or "[]"),
        history=history,
        reminders=case_reminders(row, item_name, knowledge.calendar, today),
        demo=bool(row.get("demo")),
    )


# ---------------------------------------------------------------- proof of ownership


def _failures(db: sqlite_utils.Database, column: str, value: str, since: str) -> int:
    sql = f"select count(*) from lookup_failures where {column} = ? and failed_at > ?"
    return db.execute(sql, [value, since]).fetchone()[0]


def lookup(
    db: sqlite_utils.Database,
    knowledge: Knowledge,
    case_no: object,
    digits: object,
    client: str,
    limits: LookupLimits | None = None,
    now: datetime | None = None,
    today: date | None = None,
) -> CaseView:
    """The case, if `digits` are the last four of its contact phone.

    Raises `BadRequest` for a missing number or digits that are not four digits, `NotFound` (the
    same message for an unknown case and for wrong digits) or
    `TooManyRequests` once the case or the client has failed too often within `limits.window`.
    The check of the limits comes first, so that even the right digits are refused while locked.
    """
    messages = knowledge.messages
    limits = limits or LookupLimits()
    # A malformed request says what is wrong with it; it tells nothing about any case, so it is
    # not counted as a failed attempt.
    if not isinstance(case_no, str) or not normalise_case_no(case_no):
        raise BadRequest(messages.case_bad_number)
    digits = unicodedata.normalize("NFKC", digits).strip() if isinstance(digits, str) else ""
    if not re.fullmatch(r"[0-9]{4}", digits):
        raise BadRequest(messages.case_bad_digits)
    case_no = normalise_case_no(case_no)
    now = now or datetime.now(UTC)
    since = (now - limits.window).isoformat(timespec="seconds")
    # Count, check and record in one write transaction, so that concurrent guesses queue up and
    # each sees the failures before it: never more than `failures_per_case` are checked.
    with immediate(db):  # concurrent guesses cannot all count 4 failures and all be checked
        if (
            _failures(db, "case_no", case_no[:64], since) >= limits.failures_per_case
            or _failures(db, "client", client, since) >= limits.failures_per_client
        ):
            raise TooManyRequests(messages.case_locked.format(minutes=round(limits.window.total_seconds() / 60)))
        row = next(db.query("select * from cases where case_no = ?", [case_no]), None)
        expected = row["phone_last4"] if row else "----"
        # Compare in constant time, and compare even for an unknown case, so that timing tells nothing.
        found = hmac.compare_digest(expected.encode(), digits.encode()) and row is not None
        if not found:
            db.execute("delete from lookup_failures where failed_at < ?", [since])  # forget old ones
            db.execute(
                "insert into lookup_failures (case_no, client, failed_at) values (?, ?, ?)",
                [case_no[:64], client, now.isoformat(timespec="seconds")],
            )
    if not found:
        raise NotFound(messages.case_not_found)
    return view(knowledge, row, db, today)
