"""The OpenAPI 3.1 description of the public API, served at `GET /api/openapi.json`.

Assembled from the response and request models in `api_models.py` (the same classes the views send,
so the shapes cannot drift) and the table of operations below, which adds what only a document
needs: summaries, tags and what each status means. `tests/test_openapi.py` checks the result against
the routes and against real responses. Pure: no Flask, no request.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from . import api_models as m
from . import callbacks, feedback
from .settings import SETTINGS

_DEFAULTS = {s.name: s.default for s in SETTINGS}
JSON = "application/json"
OK = "成功"


@dataclass(frozen=True)
class Operation:
    """One documented route. `responses` maps a status to `(model or schema, description)`, or to the
    name of a shared error response (`ERRORS`)."""

    method: str
    path: str
    tag: str
    operation_id: str
    summary: str
    responses: dict[int, tuple[type[BaseModel] | dict, str] | str]
    request: tuple[type[BaseModel], str] | None = None
    description: str | None = None
    parameters: tuple[dict, ...] = ()


def _per_hours(limits) -> str:
    return f"同一客户端 {int(limits.window.total_seconds() // 3600)} 小时内最多"


# Error responses shared by several operations: all `{"error": ...}`, told apart by what they mean.
ERRORS = {
    "BadRequest": "请求内容不是 JSON 对象，或字段不符合要求。",
    "PayloadTooLarge": f"请求体超过上限（默认 {_DEFAULTS['MAX_BODY_BYTES']} 字节，可由 ASSISTANT_MAX_BODY_BYTES 配置）。",
    "CaseNotFound": "没有找到办件。办件编号不存在和手机号后四位不对，得到的是完全相同的答复，无法据此猜测编号。",
    "TooManyRequests": f"查询失败次数过多：同一办件编号 {_DEFAULTS['LOCKOUT_MINUTES']} 分钟内失败 {_DEFAULTS['LOOKUP_FAILURES_PER_CASE']} 次，"
    f"或同一客户端失败 {_DEFAULTS['LOOKUP_FAILURES_PER_CLIENT']} 次后（默认值，可配置），暂时拒绝查询，即使后四位正确。",
    "TooManyQuestions": f"同一客户端每分钟最多提问 {_DEFAULTS['CHAT_PER_MINUTE']} 次（默认值，可由 ASSISTANT_CHAT_PER_MINUTE "
    "配置，每个工作进程分别计数），超过后暂时拒绝，Retry-After 给出需要等待的秒数。",
    "ItemNotFound": "没有这个事项，或这个事项没有材料清单。",
    "ConversationNotFound": "没有这段对话（或对话中还没有可以评价的回答）。",
    "TooManyVotes": f"{_per_hours(feedback.DEFAULT_LIMITS)}评价 {feedback.DEFAULT_LIMITS.per_client} 次，超过后暂时拒绝。",
    "TooManyCallbacks": f"{_per_hours(callbacks.DEFAULT_LIMITS)}留言 {callbacks.DEFAULT_LIMITS.per_client} 条，超过后暂时拒绝。",
}

OPERATIONS = (
    Operation(
        "post", "/api/chat", "咨询", "chat", "提问一次，得到回复",
        description="先回答所问的部分，其余内容折叠在 details 中。每条提问（电话、身份证号脱敏后）在回复前保存。",
        request=(m.ChatRequest, "提问内容"),
        responses={200: (m.ChatReply, OK), 400: "BadRequest", 413: "PayloadTooLarge", 429: "TooManyQuestions"},
    ),
    Operation("get", "/api/topics", "咨询", "topics", "常见事项按钮", responses={200: (m.Topics, OK)}),
    Operation(
        "post", "/api/cases/lookup", "办件", "lookupCase", "查询本人办件进度",
        description="需要办件编号和登记联系电话后四位；返回的信息不含完整电话和申请人个人信息。",
        request=(m.LookupRequest, "办件编号和电话后四位"),
        responses={
            200: (m.Case, OK), 400: "BadRequest", 404: "CaseNotFound", 413: "PayloadTooLarge", 429: "TooManyRequests",
        },
    ),
    Operation(
        "get", "/api/items/{item_id}/materials", "预审", "itemMaterials", "事项的材料清单",
        parameters=(
            {
                "name": "item_id",
                "in": "path",
                "required": True,
                "description": "知识库事项编号",
                "schema": {"type": "string"},
                "example": "shelter-build-approval",
            },
        ),
        responses={200: (m.Checklist, OK), 404: "ItemNotFound"},
    ),
    Operation(
        "post", "/api/prereview", "预审", "prereview", "材料预审：还缺哪些材料",
        request=(m.PreReviewRequest, "事项和已备材料"),
        responses={200: (m.PreReviewResult, OK), 400: "BadRequest", 404: "ItemNotFound", 413: "PayloadTooLarge"},
    ),
    Operation(
        "post", "/api/callbacks", "留言", "requestCallback", "留言，请工作人员回电",
        description="对话中婉拒、用户选择“都不是”或要求转人工时，页面提供此表单。必须明确同意（consent 为 true）。",
        request=(m.CallbackRequest, "称呼、电话、问题、同意回电"),
        responses={
            201: (m.CallbackCreated, "已收到留言"), 400: "BadRequest", 413: "PayloadTooLarge", 429: "TooManyCallbacks",
        },
    ),
    Operation(
        "post", "/api/feedback", "咨询", "feedback", "评价回答：有帮助 / 没帮助",
        description="评价对话中最后一条回答（寒暄除外），记下它来自哪个事项和问题条目；"
        "管理看板据此统计各事项的有帮助比例，“没帮助”的问题列入待改进清单。",
        request=(m.FeedbackRequest, "对话编号、是否有帮助、原因（选填）"),
        responses={
            201: (m.FeedbackSaved, "已记下评价"),
            200: (m.FeedbackSaved, "这条回答此前已评价过，已改为本次的评价"),
            400: "BadRequest",
            404: "ConversationNotFound",
            413: "PayloadTooLarge",
            429: "TooManyVotes",
        },
    ),
    Operation(
        "get", "/healthz", "运维", "health", "健康检查",
        description="知识库和数据库可用时返回 200；知识库最近一次修改有错时仍返回 200，并在 warnings 中说明。",
        responses={200: (m.Health, OK), 503: (m.Health, "数据库无法写入或磁盘将满")},
    ),
    Operation(
        "get", "/api/openapi.json", "运维", "openapi", "本接口说明（OpenAPI 3.1）",
        responses={200: ({"type": "object"}, "本文档")},
    ),
)

TAGS = (
    {"name": "咨询", "description": "问答"},
    {"name": "办件", "description": "办件进度查询"},
    {"name": "预审", "description": "正式申报前的材料自助预审"},
    {"name": "留言", "description": "请工作人员回电"},
    {"name": "运维", "description": "健康检查和接口说明"},
)


class _Schema(GenerateJsonSchema):
    """pydantic's JSON Schema without a generated title on every property ("Item Id"): the
    descriptions say what a field is."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


def _ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _content(schema: type[BaseModel] | dict) -> dict:
    return {JSON: {"schema": _ref(schema.__name__) if isinstance(schema, type) else schema}}


def _operation(op: Operation) -> dict:
    out = {"tags": [op.tag], "operationId": op.operation_id, "summary": op.summary}
    if op.description:
        out["description"] = op.description
    if op.parameters:
        out["parameters"] = list(op.parameters)
    if op.request:
        model, description = op.request
        out["requestBody"] = {"required": True, "description": description, "content": _content(model)}
    out["responses"] = {
        str(status): _ref(found, "responses")
        if isinstance(found, str)
        else {"description": found[1], "content": _content(found[0])}
        for status, found in op.responses.items()
    }
    return out


def _schemas() -> dict:
    """Every model the operations name (and the models inside them), keyed by class name."""
    models = {m.Error}
    for op in OPERATIONS:
        models |= {found[0] for found in op.responses.values() if isinstance(found, tuple) and isinstance(found[0], type)}
        models |= {op.request[0]} if op.request else set()
    modes = [(model, "validation" if issubclass(model, m._Request) else "serialization") for model in models]
    _, top = models_json_schema(modes, ref_template="#/components/schemas/{model}", schema_generator=_Schema)
    return dict(sorted(top["$defs"].items()))


@cache
def _document() -> dict:
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
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
        "tags": list(TAGS),
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "responses": {
                name: {"description": description, "content": _content(m.Error)} for name, description in ERRORS.items()
            },
        },
    }


def spec() -> dict:
    """The OpenAPI 3.1 document of the public API, as a fresh dict (callers may change it)."""
    return copy.deepcopy(_document())
