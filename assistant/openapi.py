"""The OpenAPI 3.1 description of the public API, served at `GET /api/openapi.json`.

Written by hand from what the views return (`Reply.as_json`, `CaseView.as_json`, `PreReview.as_json`,
`prereview.checklist`, `/healthz`, `POST /api/callbacks`), so that integrators (the district portal, a WeChat mini-program)
know the exact shape; `tests/test_openapi.py` checks it against the routes and real responses.
Status values and limits are taken from the code and the settings, so they cannot drift apart.
Pure: no Flask, no request.
"""

from __future__ import annotations

from . import callbacks, feedback
from .cases import STATUSES
from .settings import SETTINGS

_DEFAULTS = {s.name: s.default for s in SETTINGS}
JSON = "application/json"
CHAT_KINDS = ("answer", "clarify", "decline", "smalltalk", "case")
ACTIONS = ("prereview", "case_lookup", "callback")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def _object(description: str, properties: dict, required: tuple[str, ...] | None = None) -> dict:
    """A response object: every listed property is always present, and there are no others."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties if required is None else required),
        "additionalProperties": False,
    }


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _body(name: str, description: str) -> dict:
    return {"required": True, "description": description, "content": {JSON: {"schema": _ref(name)}}}


def _shared(name: str) -> dict:
    """One of the error responses declared once under `components/responses`."""
    return {"$ref": f"#/components/responses/{name}"}


def _schemas() -> dict:
    text = {"type": "string"}
    statuses = "；".join(f"`{code}` {status.label}" for code, status in STATUSES.items())
    material = _object(
        "清单上的一项材料。`id` 是它在事项材料清单中的序号（从 0 开始），预审时用它表示“已备”。",
        {
            "id": {"type": "integer", "minimum": 0, "description": "材料序号"},
            "name": {**text, "description": "材料名称"},
            "form": _nullable({"type": "string", "description": "形式，如“原件”“电子件”"}),
            "copies": _nullable({"type": "integer", "minimum": 1, "description": "份数"}),
            "note": _nullable({"type": "string", "description": "说明"}),
            "required": {"type": "boolean", "description": "是否必需；false 表示可以容缺后补"},
        },
    )
    return {
        "Error": _object("错误：一句给用户看的中文说明。", {"error": {**text, "description": "中文错误说明"}}),
        "Suggestion": _object(
            "一个可点选的按钮；点选时把 title 作为下一条问题发送。",
            {
                "item_id": _nullable({**text, "description": "知识库事项编号；“都不是，联系工作人员”按钮为 null"}),
                "title": {**text, "description": "按钮文字（事项简称）"},
            },
        ),
        "RelatedQuestion": _object(
            "同一事项里的另一个常见问题；点选时把 title 作为下一条问题发送。",
            {
                "item_id": {**text, "description": "知识库事项编号"},
                "entry_id": {**text, "description": "事项内问题条目的编号"},
                "title": {**text, "description": "问题原文"},
            },
        ),
        "Detail": _object(
            "回答中默认折叠、可一键展开的其他部分。",
            {
                "key": {
                    **text,
                    "enum": ["summary", "conditions", "materials", "time", "fee", "where", "process", "basis", "contact"],
                    "description": "部分的代号",
                },
                "title": {**text, "description": "部分标题，如“所需材料”"},
                "text": {**text, "description": "该部分内容（与 reply 相同的简单标记）"},
            },
        ),
        "ChatRequest": {
            "type": "object",
            "description": "一条提问。",
            "properties": {
                "message": {
                    **text,
                    "description": f"用户的问题；去掉首尾空白后不能为空，最多 {_DEFAULTS['MAX_MESSAGE_CHARS']} 字"
                    "（默认值，可由 ASSISTANT_MAX_MESSAGE_CHARS 配置），超过返回 400。"
                    "含办件编号和联系电话后四位时，按办件查询处理。",
                    "examples": ["结建审批要多久？"],
                },
                "conversation_id": _nullable(
                    {"type": "string", "description": "上一轮回复中的 conversation_id，用于追问（如“那要多久？”）；首次提问不传或传 null。"}
                ),
            },
            "required": ["message"],
        },
        "ChatReply": _object(
            "一轮对话的回复。",
            {
                "conversation_id": {**text, "description": "会话编号，下一轮请原样带上"},
                "reply": {
                    **text,
                    "description": "回复文字。简单标记：以“- ”开头的行是列表项，**…** 为加粗，其余按纯文本显示。",
                },
                "kind": {
                    **text,
                    "enum": list(CHAT_KINDS),
                    "description": "answer 直接回答；clarify 请用户选择或说得更具体；decline 婉拒并给出咨询渠道；"
                    "smalltalk 寒暄；case 办件查询（含查询失败和次数过多的提示），或按留言编号查询回电请求的进度。",
                },
                "item_id": _nullable({"type": "string", "description": "回答所依据的知识库事项编号；kind 不是 answer 时为 null"}),
                "entry_id": _nullable(
                    {"type": "string", "description": "回答所依据的事项内问题条目（如退费、罚款）；按办事指南栏目回答时为 null"}
                ),
                "score": {"type": "number", "minimum": 0, "maximum": 100, "description": "匹配得分（0–100，保留一位小数）"},
                "suggestions": {"type": "array", "items": _ref("Suggestion"), "description": "可点选的相关或候选事项"},
                "related_questions": {
                    "type": "array",
                    "items": _ref("RelatedQuestion"),
                    "description": "同一事项的其他常见问题",
                },
                "details": {"type": "array", "items": _ref("Detail"), "description": "其余内容，默认折叠"},
                "actions": {
                    "type": "array",
                    "items": {**text, "enum": list(ACTIONS)},
                    "description": "页面可附带的工具：prereview 材料预审，case_lookup 办件查询，"
                    "callback 留言请工作人员回电（见 POST /api/callbacks；婉拒、“都不是”和“转人工”时附带）",
                },
            },
        ),
        "Topics": _object(
            "聊天框下方的常见事项按钮。",
            {"topics": {"type": "array", "items": _ref("Suggestion")}},
        ),
        "LookupRequest": {
            "type": "object",
            "description": "办件查询：办件编号加登记联系电话的后四位，证明是本人的办件。",
            "properties": {
                "case_no": {**text, "description": "办件编号；不区分全角半角、大小写", "examples": ["QPRF-2026-000123"]},
                "phone_last4": {**text, "description": "登记联系电话的后四位", "examples": ["1234"]},
            },
            "required": ["case_no", "phone_last4"],
        },
        "HistoryEntry": _object(
            "办理历史中的一次状态变化。",
            {
                "status": {**text, "enum": list(STATUSES)},
                "status_label": {**text, "description": "状态的中文名称"},
                "changed_at": {**text, "description": "变化时间（ISO 8601 日期或日期时间）"},
            },
        ),
        "Reminder": _object(
            "一个临近或已过的期限，附可直接发送的提醒文字。",
            {
                "case_no": text,
                "kind": {**text, "enum": ["supplement", "completion"], "description": "supplement 补正截止；completion 预计办结"},
                "due": {**text, "format": "date", "description": "截止日期"},
                "working_days_left": {"type": "integer", "description": "剩余工作日；0 为今天到期，负数为已超过的工作日数"},
                "text": {**text, "description": "提醒文字"},
            },
        ),
        "Case": _object(
            "申请人本人可见的办件信息：不含联系电话、申请人名称等个人信息和工作人员备注。",
            {
                "case_no": {**text, "description": "办件编号（规范化后）"},
                "item_id": {**text, "description": "所办事项的知识库编号"},
                "item_name": {**text, "description": "所办事项名称"},
                "status": {**text, "enum": list(STATUSES), "description": f"办件状态：{statuses}"},
                "status_label": {**text, "description": "状态的中文名称"},
                "step": {**text, "description": "当前进度的说明"},
                "next_step": {**text, "description": "申请人下一步要做什么"},
                "submitted_at": {**text, "description": "提交时间（ISO 8601 日期或日期时间）"},
                "updated_at": _nullable({"type": "string", "description": "状态最近变化的时间（ISO 8601）"}),
                "due_date": _nullable({"type": "string", "format": "date", "description": "预计办结日期"}),
                "due_date_computed": {
                    "type": "boolean",
                    "description": "true 表示 due_date 是按事项办理时限推算的，以窗口通知为准",
                },
                "supplement_due": _nullable({"type": "string", "format": "date", "description": "补正截止日期"}),
                "missing_materials": {"type": "array", "items": text, "description": "需要补正的材料"},
                "history": {"type": "array", "items": _ref("HistoryEntry"), "description": "办理历史，按时间先后"},
                "reminders": {"type": "array", "items": _ref("Reminder"), "description": "临近的期限，最早的在前"},
                "demo": {"type": "boolean", "description": "true 表示这是演示数据"},
                "reply": {**text, "description": "整理好的答复文字（与聊天中看到的相同，简单标记）"},
            },
        ),
        "Material": material,
        "Checklist": _object(
            "事项的材料清单，供预审勾选。",
            {
                "item_id": text,
                "name": {**text, "description": "事项名称"},
                "materials": {"type": "array", "items": _ref("Material")},
            },
        ),
        "PreReviewRequest": {
            "type": "object",
            "description": "材料预审：事项编号和已备材料的序号。",
            "properties": {
                "item_id": {**text, "description": "事项编号（须有材料清单）", "examples": ["shelter-build-approval"]},
                "have": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0},
                    "description": "已备材料的序号（见材料清单的 id）；序号超出清单范围返回 400",
                    "examples": [[0, 2]],
                },
            },
            "required": ["item_id", "have"],
        },
        "PreReviewResult": _object(
            "预审结果：还缺哪些材料。仅供参考，正式受理以窗口审核为准；不保存任何内容。",
            {
                "item_id": text,
                "name": {**text, "description": "事项名称"},
                "missing": {"type": "array", "items": _ref("Material"), "description": "未勾选的材料（含可容缺后补的）"},
                "complete": {"type": "boolean", "description": "必需材料是否都已备齐"},
                "reply": {**text, "description": "整理好的预审结果文字（简单标记）"},
            },
        ),
        "CallbackRequest": {
            "type": "object",
            "description": "留言，请工作人员回电。问题、称呼和时间中的手机号、身份证号打码后保存；电话完整保存（回电需要），"
            "工作人员页面上打码显示，查看完整号码记入审计日志。",
            "properties": {
                "name": {**text, "description": f"称呼，最多 {callbacks.MAX_NAME_CHARS} 字", "examples": ["王先生"]},
                "phone": {
                    **text,
                    "description": "联系电话：11位手机号码，或上海固定电话（8位号码，可加区号021）；"
                    "可含空格、短横线、括号、+86，全角数字亦可。其他格式返回 400。",
                    "examples": ["139 0000 0000", "021-6000 0000"],
                },
                "question": {
                    **text,
                    "description": f"想咨询的问题，最多 {callbacks.MAX_QUESTION_CHARS} 字",
                    "examples": ["地下室改成仓库要办什么手续？"],
                },
                "consent": {
                    "type": "boolean",
                    "const": True,
                    "description": "同意工作人员使用所留电话联系；必须为 true，否则返回 400",
                },
                "preferred_time": _nullable(
                    {"type": "string", "description": f"方便接听的时间（选填），最多 {callbacks.MAX_TIME_CHARS} 字"}
                ),
                "conversation_id": _nullable({"type": "string", "description": "所在对话的 conversation_id（选填）"}),
            },
            "required": ["name", "phone", "question", "consent"],
        },
        "CallbackCreated": _object(
            "留言已收到。",
            {
                "reference": {
                    **text,
                    "pattern": "^[2-9][0-9]{2}-[0-9]{3}-[0-9]{3}$",
                    "description": "留言编号（9位数字，如 482-917-305），可在电话中报给工作人员；"
                    "在对话中发送编号可查询处理进度（待处理、已有工作人员跟进、已回电处理），不显示任何个人信息",
                },
            },
        ),
        "FeedbackRequest": {
            "type": "object",
            "description": "对一段对话最后一条回答（寒暄除外）的评价：有帮助或没帮助。同一条回答再次评价时，以最后一次为准。",
            "properties": {
                "conversation_id": {**text, "description": "对话的 conversation_id（见 /api/chat 的回复）"},
                "helpful": {"type": "boolean", "description": "true 有帮助；false 没帮助。必须是布尔值，否则返回 400"},
                "reason": _nullable(
                    {
                        "type": "string",
                        "description": f"原因（选填），最多 {feedback.MAX_REASON_CHARS} 字；手机号、身份证号打码后保存",
                        "examples": ["没有说清楚要多少钱"],
                    }
                ),
            },
            "required": ["conversation_id", "helpful"],
        },
        "FeedbackSaved": _object("评价已保存。", {"ok": {"type": "boolean", "const": True}}),
        "Health": _object(
            "服务状态。",
            {
                "status": {**text, "enum": ["ok", "degraded"], "description": "degraded：数据库无法写入或磁盘将满（HTTP 503）"},
                "items": {"type": "integer", "minimum": 0, "description": "当前知识库的事项数"},
                "problems": {
                    "type": "array",
                    "items": text,
                    "description": "数据库无法写入、磁盘剩余空间不足等问题；一切正常时不出现",
                },
                "knowledge_version": {
                    "type": ["integer", "null"],
                    "description": "本进程正在使用的知识库版本号（assistant kb history）；保存后 10 秒内各进程一致",
                },
                "warnings": {
                    "type": "array",
                    "items": text,
                    "description": "最近一次知识库修改有错、仍在使用上一版时出现，每条形如“PATH:LINE: 说明”；一切正常时不出现",
                },
            },
            required=("status", "items"),
        ),
    }


def _responses() -> dict:
    limit = _DEFAULTS["MAX_BODY_BYTES"]
    per_case, per_client = _DEFAULTS["LOOKUP_FAILURES_PER_CASE"], _DEFAULTS["LOOKUP_FAILURES_PER_CLIENT"]
    return {
        "BadRequest": _json(_ref("Error"), "请求内容不是 JSON 对象，或字段不符合要求。"),
        "PayloadTooLarge": _json(_ref("Error"), f"请求体超过上限（默认 {limit} 字节，可由 ASSISTANT_MAX_BODY_BYTES 配置）。"),
        "CaseNotFound": _json(
            _ref("Error"),
            "没有找到办件。办件编号不存在和手机号后四位不对，得到的是完全相同的答复，无法据此猜测编号。",
        ),
        "TooManyRequests": _json(
            _ref("Error"),
            f"查询失败次数过多：同一办件编号 15 分钟内失败 {per_case} 次，或同一客户端失败 {per_client} 次后"
            "（默认值，可配置），暂时拒绝查询，即使后四位正确。",
        ),
        "ItemNotFound": _json(_ref("Error"), "没有这个事项，或这个事项没有材料清单。"),
        "ConversationNotFound": _json(
            _ref("Error"), "没有这段对话（或对话中还没有可以评价的回答）。"
        ),
        "TooManyVotes": _json(
            _ref("Error"),
            f"同一客户端 {int(feedback.DEFAULT_LIMITS.window.total_seconds() // 3600)} 小时内最多评价 "
            f"{feedback.DEFAULT_LIMITS.per_client} 次，超过后暂时拒绝。",
        ),
        "TooManyCallbacks": _json(
            _ref("Error"),
            f"同一客户端 {int(callbacks.DEFAULT_LIMITS.window.total_seconds() // 3600)} 小时内最多留言 "
            f"{callbacks.DEFAULT_LIMITS.per_client} 条，超过后暂时拒绝。",
        ),
    }


def _paths() -> dict:
    ok = "成功"
    return {
        "/api/chat": {
            "post": {
                "tags": ["咨询"],
                "operationId": "chat",
                "summary": "提问一次，得到回复",
                "description": "先回答所问的部分，其余内容折叠在 details 中。每条提问（电话、身份证号脱敏后）在回复前保存。",
                "requestBody": _body("ChatRequest", "提问内容"),
                "responses": {
                    "200": _json(_ref("ChatReply"), ok),
                    "400": _shared("BadRequest"),
                    "413": _shared("PayloadTooLarge"),
                },
            }
        },
        "/api/topics": {
            "get": {
                "tags": ["咨询"],
                "operationId": "topics",
                "summary": "常见事项按钮",
                "responses": {"200": _json(_ref("Topics"), ok)},
            }
        },
        "/api/cases/lookup": {
            "post": {
                "tags": ["办件"],
                "operationId": "lookupCase",
                "summary": "查询本人办件进度",
                "description": "需要办件编号和登记联系电话后四位；返回的信息不含完整电话和申请人个人信息。",
                "requestBody": _body("LookupRequest", "办件编号和电话后四位"),
                "responses": {
                    "200": _json(_ref("Case"), ok),
                    "400": _shared("BadRequest"),
                    "404": _shared("CaseNotFound"),
                    "413": _shared("PayloadTooLarge"),
                    "429": _shared("TooManyRequests"),
                },
            }
        },
        "/api/items/{item_id}/materials": {
            "get": {
                "tags": ["预审"],
                "operationId": "itemMaterials",
                "summary": "事项的材料清单",
                "parameters": [
                    {
                        "name": "item_id",
                        "in": "path",
                        "required": True,
                        "description": "知识库事项编号",
                        "schema": {"type": "string"},
                        "example": "shelter-build-approval",
                    }
                ],
                "responses": {"200": _json(_ref("Checklist"), ok), "404": _shared("ItemNotFound")},
            }
        },
        "/api/prereview": {
            "post": {
                "tags": ["预审"],
                "operationId": "prereview",
                "summary": "材料预审：还缺哪些材料",
                "requestBody": _body("PreReviewRequest", "事项和已备材料"),
                "responses": {
                    "200": _json(_ref("PreReviewResult"), ok),
                    "400": _shared("BadRequest"),
                    "404": _shared("ItemNotFound"),
                    "413": _shared("PayloadTooLarge"),
                },
            }
        },
        "/api/callbacks": {
            "post": {
                "tags": ["留言"],
                "operationId": "requestCallback",
                "summary": "留言，请工作人员回电",
                "description": "对话中婉拒、用户选择“都不是”或要求转人工时，页面提供此表单。必须明确同意（consent 为 true）。",
                "requestBody": _body("CallbackRequest", "称呼、电话、问题、同意回电"),
                "responses": {
                    "201": _json(_ref("CallbackCreated"), "已收到留言"),
                    "400": _shared("BadRequest"),
                    "413": _shared("PayloadTooLarge"),
                    "429": _shared("TooManyCallbacks"),
                },
            }
        },
        "/api/feedback": {
            "post": {
                "tags": ["咨询"],
                "operationId": "feedback",
                "summary": "评价回答：有帮助 / 没帮助",
                "description": "评价对话中最后一条回答（寒暄除外），记下它来自哪个事项和问题条目；"
                "管理看板据此统计各事项的有帮助比例，“没帮助”的问题列入待改进清单。",
                "requestBody": _body("FeedbackRequest", "对话编号、是否有帮助、原因（选填）"),
                "responses": {
                    "201": _json(_ref("FeedbackSaved"), "已记下评价"),
                    "200": _json(_ref("FeedbackSaved"), "这条回答此前已评价过，已改为本次的评价"),
                    "400": _shared("BadRequest"),
                    "404": _shared("ConversationNotFound"),
                    "413": _shared("PayloadTooLarge"),
                    "429": _shared("TooManyVotes"),
                },
            }
        },
        "/healthz": {
            "get": {
                "tags": ["运维"],
                "operationId": "health",
                "summary": "健康检查",
                "description": "知识库和数据库可用时返回 200；知识库最近一次修改有错时仍返回 200，并在 warnings 中说明。",
                "responses": {"200": _json(_ref("Health"), ok), "503": _json(_ref("Health"), "数据库无法写入或磁盘将满")},
            }
        },
        "/api/openapi.json": {
            "get": {
                "tags": ["运维"],
                "operationId": "openapi",
                "summary": "本接口说明（OpenAPI 3.1）",
                "responses": {"200": _json({"type": "object"}, "本文档")},
            }
        },
    }


def spec() -> dict:
    """The OpenAPI 3.1 document of the public API, as a fresh dict (callers may change it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "人防咨询助手 公共接口",
            "version": "1.0.0",
            "description": (
                "青浦区国防动员办公室（人防）在线咨询助手的公共接口：咨询问答、办件进度查询、材料预审、留言请工作人员回电。"
                "所有 JSON 均为 UTF-8（非 ASCII 字符是否转义不作保证）。"
                "出错时返回 {\"error\": \"中文说明\"} 和相应的 4xx 状态码。"
            ),
        },
        "tags": [
            {"name": "咨询", "description": "问答"},
            {"name": "办件", "description": "办件进度查询"},
            {"name": "预审", "description": "正式申报前的材料自助预审"},
            {"name": "留言", "description": "请工作人员回电"},
            {"name": "运维", "description": "健康检查和接口说明"},
        ],
        "paths": _paths(),
        "components": {"schemas": _schemas(), "responses": _responses()},
    }
