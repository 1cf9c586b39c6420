"""The public API's bodies as pydantic models: the one description of each request and response.

The views build a response model from the core's dataclasses (`ChatReply.from_reply`,
`Case.from_view`, …) and send `model.body()`; `openapi.py` generates `/api/openapi.json` from the same
classes, so the document cannot drift from what is sent. A response field without a default is always
present (the schema lists it as required); a field with a default is left out while it has it, which
is how `/healthz` omits `problems` and `warnings` when all is well. Class docstrings and field
descriptions are the document's text, hence in Chinese.

Request models describe the bodies for the document only: the views check input with the core's own
functions (`chat.check_message`, `callbacks.check`, …), which say what is wrong in Chinese.
Pure: no Flask.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from . import callbacks, cases, feedback, knowledge, prereview
from .knowledge import SECTIONS
from .replies import Reply
from .settings import SETTINGS

_DEFAULTS = {s.name: s.default for s in SETTINGS}
CHAT_KINDS = ("answer", "clarify", "decline", "smalltalk", "case")
ACTIONS = ("prereview", "case_lookup", "callback")
STATUS_CODES = tuple(cases.STATUSES)
STATUS_NAMES = "；".join(f"`{code}` {status.label}" for code, status in cases.STATUSES.items())


class _Response(BaseModel):
    """A response body: no other keys than the fields; `body()` is what the view sends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def body(self) -> dict:
        """The JSON object to send: every field, except those still at their default."""
        return self.model_dump(mode="json", exclude_defaults=True)


class _Request(BaseModel):
    """A request body, as documented (the views check input themselves; see the module docstring)."""


# ---------------------------------------------------------------- errors


class Error(_Response):
    """错误：一句给用户看的中文说明。"""

    error: str = Field(description="中文错误说明")


# ---------------------------------------------------------------- chat


class ChatRequest(_Request):
    """一条提问。"""

    message: str = Field(
        description=f"用户的问题；去掉首尾空白后不能为空，最多 {_DEFAULTS['MAX_MESSAGE_CHARS']} 字"
        "（默认值，可由 ASSISTANT_MAX_MESSAGE_CHARS 配置），超过返回 400。"
        "含办件编号和联系电话后四位时，按办件查询处理。",
        examples=["结建审批要多久？"],
    )
    conversation_id: str | None = Field(
        default=None,
        description="上一轮回复中的 conversation_id，用于追问（如“那要多久？”）；首次提问不传或传 null。",
    )


class Suggestion(_Response):
    """一个可点选的按钮；点选时把 title 作为下一条问题发送。"""

    item_id: str | None = Field(description="知识库事项编号；“都不是，联系工作人员”按钮为 null")
    title: str = Field(description="按钮文字（事项简称）")


class RelatedQuestion(_Response):
    """同一事项里的另一个常见问题；点选时把 title 作为下一条问题发送。"""

    item_id: str = Field(description="知识库事项编号")
    entry_id: str = Field(description="事项内问题条目的编号")
    title: str = Field(description="问题原文")


class Detail(_Response):
    """回答中默认折叠、可一键展开的其他部分。"""

    key: Literal[SECTIONS] = Field(description="部分的代号")
    title: str = Field(description="部分标题，如“所需材料”")
    text: str = Field(description="该部分内容（与 reply 相同的简单标记）")


class ChatReply(_Response):
    """一轮对话的回复。"""

    conversation_id: str = Field(description="会话编号，下一轮请原样带上")
    reply: str = Field(description="回复文字。简单标记：以“- ”开头的行是列表项，**…** 为加粗，其余按纯文本显示。")
    kind: Literal[CHAT_KINDS] = Field(
        description="answer 直接回答；clarify 请用户选择或说得更具体；decline 婉拒并给出咨询渠道；"
        "smalltalk 寒暄；case 办件查询（含查询失败和次数过多的提示），或按留言编号查询回电请求的进度。"
    )
    item_id: str | None = Field(description="回答所依据的知识库事项编号；kind 不是 answer 时为 null")
    entry_id: str | None = Field(description="回答所依据的事项内问题条目（如退费、罚款）；按办事指南栏目回答时为 null")
    score: float = Field(ge=0, le=100, description="匹配得分（0–100，保留一位小数）")
    suggestions: list[Suggestion] = Field(description="可点选的相关或候选事项")
    related_questions: list[RelatedQuestion] = Field(description="同一事项的其他常见问题")
    details: list[Detail] = Field(description="其余内容，默认折叠")
    actions: list[Literal[ACTIONS]] = Field(
        description="页面可附带的工具：prereview 材料预审，case_lookup 办件查询，"
        "callback 留言请工作人员回电（见 POST /api/callbacks；婉拒、“都不是”和“转人工”时附带）"
    )

    @classmethod
    def from_reply(cls, conversation_id: str, reply: Reply) -> ChatReply:
        return cls.model_validate(
            {
                "conversation_id": conversation_id,
                "reply": reply.text,
                "kind": reply.kind,
                "item_id": reply.item_id,
                "entry_id": reply.entry_id,
                "score": reply.shown_score,
                "suggestions": reply.suggestions,
                "related_questions": reply.related,
                "details": reply.details,
                "actions": reply.actions,
            }
        )


class Topics(_Response):
    """聊天框下方的常见事项按钮。"""

    topics: list[Suggestion]


# ---------------------------------------------------------------- case look-up


class LookupRequest(_Request):
    """办件查询：办件编号加登记联系电话的后四位，证明是本人的办件。"""

    case_no: str = Field(description="办件编号；不区分全角半角、大小写", examples=["QPRF-2026-000123"])
    phone_last4: str = Field(description="登记联系电话的后四位", examples=["1234"])


class HistoryEntry(_Response):
    """办理历史中的一次状态变化。"""

    status: Literal[STATUS_CODES]
    status_label: str = Field(description="状态的中文名称")
    changed_at: str = Field(description="变化时间（ISO 8601 日期或日期时间）")


class Reminder(_Response):
    """一个临近或已过的期限，附可直接发送的提醒文字。"""

    case_no: str
    kind: Literal["supplement", "completion"] = Field(description="supplement 补正截止；completion 预计办结")
    due: date = Field(description="截止日期")
    working_days_left: int = Field(description="剩余工作日；0 为今天到期，负数为已超过的工作日数")
    text: str = Field(description="提醒文字")


# A date the database keeps as text: documented as a date, sent exactly as stored.
DateText = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


class Case(_Response):
    """申请人本人可见的办件信息：不含联系电话、申请人名称等个人信息和工作人员备注。"""

    case_no: str = Field(description="办件编号（规范化后）")
    item_id: str = Field(description="所办事项的知识库编号")
    item_name: str = Field(description="所办事项名称")
    status: Literal[STATUS_CODES] = Field(description=f"办件状态：{STATUS_NAMES}")
    status_label: str = Field(description="状态的中文名称")
    step: str = Field(description="当前进度的说明")
    next_step: str = Field(description="申请人下一步要做什么")
    submitted_at: str = Field(description="提交时间（ISO 8601 日期或日期时间）")
    updated_at: str | None = Field(description="状态最近变化的时间（ISO 8601）")
    due_date: DateText | None = Field(description="预计办结日期")
    due_date_computed: bool = Field(description="true 表示 due_date 是按事项办理时限推算的，以窗口通知为准")
    supplement_due: DateText | None = Field(description="补正截止日期")
    missing_materials: list[str] = Field(description="需要补正的材料")
    history: list[HistoryEntry] = Field(description="办理历史，按时间先后")
    reminders: list[Reminder] = Field(description="临近的期限，最早的在前")
    demo: bool = Field(description="true 表示这是演示数据")
    reply: str = Field(description="整理好的答复文字（与聊天中看到的相同，简单标记）")

    @classmethod
    def from_view(cls, view: cases.CaseView) -> Case:
        return cls.model_validate({**vars(view), "reminders": [vars(r) for r in view.reminders], "reply": view.as_text()})


# ---------------------------------------------------------------- pre-review


class Material(_Response):
    """清单上的一项材料。`id` 是它在事项材料清单中的序号（从 0 开始），预审时用它表示“已备”。"""

    id: int = Field(ge=0, description="材料序号")
    name: str = Field(description="材料名称")
    form: str | None = Field(description="形式，如“原件”“电子件”")
    copies: int | None = Field(ge=1, description="份数")
    note: str | None = Field(description="说明")
    required: bool = Field(description="是否必需；false 表示可以容缺后补")

    @classmethod
    def numbered(cls, index: int, material: knowledge.Material) -> Material:
        return cls(
            id=index,
            name=material.name,
            form=material.form,
            copies=material.copies,
            note=material.note,
            required=material.required,
        )


class Checklist(_Response):
    """事项的材料清单，供预审勾选。"""

    item_id: str
    name: str = Field(description="事项名称")
    materials: list[Material]

    @classmethod
    def of(cls, item: knowledge.Item) -> Checklist:
        return cls(item_id=item.id, name=item.name, materials=[Material.numbered(i, m) for i, m in enumerate(item.materials)])


class PreReviewRequest(_Request):
    """材料预审：事项编号和已备材料的序号。"""

    item_id: str = Field(description="事项编号（须有材料清单）", examples=["shelter-build-approval"])
    have: list[Annotated[int, Field(ge=0)]] = Field(
        description="已备材料的序号（见材料清单的 id）；序号超出清单范围返回 400", examples=[[0, 2]]
    )


class PreReviewResult(_Response):
    """预审结果：还缺哪些材料。仅供参考，正式受理以窗口审核为准；不保存任何内容。"""

    item_id: str
    name: str = Field(description="事项名称")
    missing: list[Material] = Field(description="未勾选的材料（含可容缺后补的）")
    complete: bool = Field(description="必需材料是否都已备齐")
    reply: str = Field(description="整理好的预审结果文字（简单标记）")

    @classmethod
    def of(cls, review: prereview.PreReview) -> PreReviewResult:
        return cls(
            item_id=review.item.id,
            name=review.item.name,
            missing=[Material.numbered(i, m) for i, m in review.missing],
            complete=review.complete,
            reply=review.as_text(),
        )


# ---------------------------------------------------------------- callbacks and feedback


class CallbackRequest(_Request):
    """留言，请工作人员回电。问题、称呼和时间中的手机号、身份证号打码后保存；电话完整保存（回电需要），工作人员页面上打码显示，查看完整号码记入审计日志。"""

    name: str = Field(description=f"称呼，最多 {callbacks.MAX_NAME_CHARS} 字", examples=["王先生"])
    phone: str = Field(
        description="联系电话：11位手机号码，或上海固定电话（8位号码，可加区号021）；"
        "可含空格、短横线、括号、+86，全角数字亦可。其他格式返回 400。",
        examples=["139 0000 0000", "021-6000 0000"],
    )
    question: str = Field(
        description=f"想咨询的问题，最多 {callbacks.MAX_QUESTION_CHARS} 字", examples=["地下室改成仓库要办什么手续？"]
    )
    consent: Literal[True] = Field(description="同意工作人员使用所留电话联系；必须为 true，否则返回 400")
    preferred_time: str | None = Field(
        default=None, description=f"方便接听的时间（选填），最多 {callbacks.MAX_TIME_CHARS} 字"
    )
    conversation_id: str | None = Field(default=None, description="所在对话的 conversation_id（选填）")


class CallbackCreated(_Response):
    """留言已收到。"""

    reference: str = Field(
        pattern=r"^[2-9][0-9]{2}-[0-9]{3}-[0-9]{3}$",
        description="留言编号（9位数字，如 482-917-305），可在电话中报给工作人员；"
        "在对话中发送编号可查询处理进度（待处理、已有工作人员跟进、已回电处理），不显示任何个人信息",
    )


class FeedbackRequest(_Request):
    """对一段对话最后一条回答（寒暄除外）的评价：有帮助或没帮助。同一条回答再次评价时，以最后一次为准。"""

    conversation_id: str = Field(description="对话的 conversation_id（见 /api/chat 的回复）")
    helpful: bool = Field(description="true 有帮助；false 没帮助。必须是布尔值，否则返回 400")
    reason: str | None = Field(
        default=None,
        description=f"原因（选填），最多 {feedback.MAX_REASON_CHARS} 字；手机号、身份证号打码后保存",
        examples=["没有说清楚要多少钱"],
    )


class FeedbackSaved(_Response):
    """评价已保存。"""

    ok: Literal[True]


# ---------------------------------------------------------------- health


class Health(_Response):
    """服务状态。"""

    status: Literal["ok", "degraded"] = Field(description="degraded：数据库无法写入或磁盘将满（HTTP 503）")
    items: int = Field(ge=0, description="当前知识库的事项数")
    knowledge_version: int | None = Field(
        description="本进程正在使用的知识库版本号（assistant kb history）；保存后 10 秒内各进程一致"
    )
    problems: list[str] = Field(
        default_factory=list, description="数据库无法写入、磁盘剩余空间不足等问题；一切正常时不出现"
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="最近一次知识库修改有错、仍在使用上一版时出现，每条形如“PATH:LINE: 说明”；一切正常时不出现",
    )
