"""`GET /api/openapi.json` describes the public API as it really is: every route, every response shape.

The document is generated from `assistant/api_models.py`; these tests hold it to the routes and to real
responses, validated with a JSON Schema 2020-12 validator against the served document itself.
"""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from assistant import demo, openapi
from assistant.api_models import Error
from assistant.db import connection
from assistant.errors import error_body
from assistant.ratelimit import SlidingWindow

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def doc(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture
def demo_cases(app):
    """The demo cases (DEMO-0001 …, last four digits = the number) in the test database."""
    with connection(app.config["DB"]) as db:
        demo.seed_if_empty(db, app.extensions["knowledge"].get())


def resolve(node: dict, doc: dict) -> dict:
    while "$ref" in node:
        target = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def problems(value, schema: dict, doc: dict) -> list[str]:
    """How `value` departs from `schema` (whose `$ref`s point into `doc`), one line per departure."""
    validator = Draft202012Validator(
        {**schema, "components": doc["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [f"${''.join(f'[{step!r}]' for step in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(value)]


def response_schema(doc: dict, path: str, method: str, status: int) -> dict:
    responses = doc["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    return resolve(resolve(responses[str(status)], doc)["content"]["application/json"]["schema"], doc)


def check(doc: dict, response, path: str, method: str) -> dict:
    """The response's JSON, after checking it against what the document promises for its status."""
    assert response.mimetype == "application/json"
    body = response.get_json()
    schema = response_schema(doc, path, method, response.status_code)
    if "properties" in schema:
        assert set(body) <= set(schema["properties"]), "undocumented top-level properties"
        assert set(schema["required"]) <= set(body), "required properties missing"
    assert problems(body, schema, doc) == []
    return body


def test_served_document_is_the_spec(doc):
    assert doc == openapi.spec()
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] == "人防咨询助手 公共接口"


def test_document_is_valid_openapi_3_1(doc):
    validate(doc)  # raises on any structural error, unresolvable $ref included


def test_every_api_route_is_documented_and_every_documented_path_exists(app, doc):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            path = rule.rule.replace("<", "{").replace(">", "}")
            routes |= {(path, m.lower()) for m in rule.methods if m.lower() in METHODS}
    documented = {(path, m) for path, item in doc["paths"].items() for m in item if m in METHODS}
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations that do not exist"


def test_errors_are_one_shape_and_lookup_hides_which_cases_exist(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status in operation["responses"]:
                if status.startswith("4"):
                    schema = response_schema(doc, path, method, int(status))
                    assert schema == resolve({"$ref": "#/components/schemas/Error"}, doc), (path, status)
    lookup = doc["paths"]["/api/cases/lookup"]["post"]["responses"]
    assert set(lookup) == {"200", "400", "404", "413", "429"}
    assert "编号不存在" in resolve(lookup["404"], doc)["description"]


@pytest.mark.parametrize(
    "method, url, body, path, status",
    [
        ("post", "/api/chat", {"message": "结建审批要多久？"}, "/api/chat", 200),
        ("post", "/api/chat", {"message": "你好"}, "/api/chat", 200),
        ("post", "/api/chat", {"message": "今天股票涨不涨"}, "/api/chat", 200),
        ("post", "/api/chat", {"message": "DEMO-0004 0004"}, "/api/chat", 200),
        ("post", "/api/chat", {"message": ""}, "/api/chat", 400),
        ("get", "/api/topics", None, "/api/topics", 200),
        ("post", "/api/cases/lookup", {"case_no": "DEMO-0004", "phone_last4": "0004"}, "/api/cases/lookup", 200),
        ("post", "/api/cases/lookup", {"case_no": "DEMO-0004", "phone_last4": "9999"}, "/api/cases/lookup", 404),
        ("post", "/api/cases/lookup", {"case_no": "NONE-0404", "phone_last4": "0004"}, "/api/cases/lookup", 404),
        ("post", "/api/cases/lookup", ["DEMO-0004"], "/api/cases/lookup", 400),
        ("get", "/api/items/shelter-build-approval/materials", None, "/api/items/{item_id}/materials", 200),
        ("get", "/api/items/no-such-item/materials", None, "/api/items/{item_id}/materials", 404),
        ("post", "/api/prereview", {"item_id": "shelter-build-approval", "have": [0]}, "/api/prereview", 200),
        ("post", "/api/prereview", {"item_id": "shelter-build-approval", "have": [99]}, "/api/prereview", 400),
        ("post", "/api/prereview", {"item_id": "no-such-item", "have": []}, "/api/prereview", 404),
        ("get", "/healthz", None, "/healthz", 200),
    ],
)
def test_real_responses_match_the_document(client, doc, demo_cases, method, url, body, path, status):
    response = client.open(url, method=method.upper(), json=body)
    assert response.status_code == status, response.get_json()
    check(doc, response, path, method)


def test_case_reply_in_full_matches_the_document(client, doc, demo_cases):
    body = check(doc, client.post("/api/cases/lookup", json={"case_no": "DEMO-0004", "phone_last4": "0004"}),
                 "/api/cases/lookup", "post")
    assert body["history"] and body["reminders"], "a case with history and reminders, so nested shapes are checked"


def test_too_large_and_too_many_match_the_document(client, doc, demo_cases):
    too_large = client.post("/api/chat", data="x" * 70_000, content_type="application/json")
    assert too_large.status_code == 413
    check(doc, too_large, "/api/chat", "post")
    for _ in range(5):
        client.post("/api/cases/lookup", json={"case_no": "DEMO-0001", "phone_last4": "9999"})
    locked = client.post("/api/cases/lookup", json={"case_no": "DEMO-0001", "phone_last4": "0001"})
    assert locked.status_code == 429
    check(doc, locked, "/api/cases/lookup", "post")


# ---- every documented response, produced for real ---------------------------------------------------

TOO_LARGE = "x" * 70_000
CALLBACK = {"name": "王先生", "phone": "139 1234 5678", "question": "地下室改仓库要办什么手续？", "consent": True}


def _post(client, url: str, body, times: int = 1, remote_addr: str = "10.9.9.9"):
    """POST `body` (JSON, or a raw string sent as JSON) `times` times; the last response."""
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    for _ in range(times):
        response = client.post(url, environ_base={"REMOTE_ADDR": remote_addr}, **kwargs)
    return response


def _vote(client, helpful: bool, times: int = 1):
    asked = client.post("/api/chat", json={"message": "易地建设费能退吗"}).get_json()
    return _post(client, "/api/feedback", {"conversation_id": asked["conversation_id"], "helpful": helpful}, times)


def _chat_limited(client, app):
    app.extensions["chat_limit"] = SlidingWindow(1, 60)  # a real window, one question a minute
    return _post(client, "/api/chat", {"message": "你好"}, times=2)


def _degraded(client, app):
    app.config["MIN_FREE_MB"] = 10**12  # no disk has a zettabyte free: the database "cannot take writes"
    return client.get("/healthz")


# (path, method, status) → how to get that response from the real app.
RESPONSES = {
    ("/api/chat", "post", 200): lambda c, a: _post(c, "/api/chat", {"message": "结建审批要多久？"}),
    ("/api/chat", "post", 400): lambda c, a: _post(c, "/api/chat", {"message": 42}),
    ("/api/chat", "post", 413): lambda c, a: _post(c, "/api/chat", TOO_LARGE),
    ("/api/chat", "post", 429): _chat_limited,
    ("/api/topics", "get", 200): lambda c, a: c.get("/api/topics"),
    ("/api/cases/lookup", "post", 200): lambda c, a: _post(
        c, "/api/cases/lookup", {"case_no": "DEMO-0003", "phone_last4": "0003"}
    ),
    ("/api/cases/lookup", "post", 400): lambda c, a: _post(c, "/api/cases/lookup", {"case_no": 3}),
    ("/api/cases/lookup", "post", 404): lambda c, a: _post(
        c, "/api/cases/lookup", {"case_no": "DEMO-0003", "phone_last4": "1111"}
    ),
    ("/api/cases/lookup", "post", 413): lambda c, a: _post(c, "/api/cases/lookup", TOO_LARGE),
    ("/api/cases/lookup", "post", 429): lambda c, a: _post(
        c, "/api/cases/lookup", {"case_no": "DEMO-0002", "phone_last4": "1111"}, times=6
    ),
    ("/api/items/{item_id}/materials", "get", 200): lambda c, a: c.get("/api/items/shelter-build-approval/materials"),
    ("/api/items/{item_id}/materials", "get", 404): lambda c, a: c.get("/api/items/no-such-item/materials"),
    ("/api/prereview", "post", 200): lambda c, a: _post(
        c, "/api/prereview", {"item_id": "shelter-build-approval", "have": [0, 1]}
    ),
    ("/api/prereview", "post", 400): lambda c, a: _post(
        c, "/api/prereview", {"item_id": "shelter-build-approval", "have": "all"}
    ),
    ("/api/prereview", "post", 404): lambda c, a: _post(c, "/api/prereview", {"item_id": "no-such-item", "have": []}),
    ("/api/prereview", "post", 413): lambda c, a: _post(c, "/api/prereview", TOO_LARGE),
    ("/api/callbacks", "post", 201): lambda c, a: _post(c, "/api/callbacks", CALLBACK),
    ("/api/callbacks", "post", 400): lambda c, a: _post(c, "/api/callbacks", {**CALLBACK, "consent": False}),
    ("/api/callbacks", "post", 413): lambda c, a: _post(c, "/api/callbacks", TOO_LARGE),
    ("/api/callbacks", "post", 429): lambda c, a: _post(c, "/api/callbacks", CALLBACK, times=6),
    ("/api/feedback", "post", 201): lambda c, a: _vote(c, helpful=True),
    ("/api/feedback", "post", 200): lambda c, a: _vote(c, helpful=False, times=2),
    ("/api/feedback", "post", 400): lambda c, a: _post(c, "/api/feedback", {"conversation_id": "y" * 20}),
    ("/api/feedback", "post", 404): lambda c, a: _post(
        c, "/api/feedback", {"conversation_id": "y" * 20, "helpful": True}
    ),
    ("/api/feedback", "post", 413): lambda c, a: _post(c, "/api/feedback", TOO_LARGE),
    ("/api/feedback", "post", 429): lambda c, a: _vote(c, helpful=True, times=61),
    ("/healthz", "get", 200): lambda c, a: c.get("/healthz"),
    ("/healthz", "get", 503): _degraded,
    ("/api/openapi.json", "get", 200): lambda c, a: c.get("/api/openapi.json"),
}


def test_every_documented_response_has_a_real_example_below(doc):
    documented = {
        (path, method, int(status))
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
    }
    assert documented == set(RESPONSES)


@pytest.mark.parametrize("path, method, status", list(RESPONSES))
def test_every_documented_response_is_what_the_app_sends(client, app, doc, demo_cases, path, method, status):
    response = RESPONSES[path, method, status](client, app)
    assert response.status_code == status, response.get_json()
    check(doc, response, path, method)


def test_the_error_body_function_and_the_error_model_agree():
    assert error_body("请输入您要咨询的问题。") == Error(error="请输入您要咨询的问题。").body()
