"""`GET /api/openapi.json` describes the public API as it really is: every route, every response shape."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from assistant import demo, openapi
from assistant.db import connection

METHODS = {"get", "post", "put", "patch", "delete"}
TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


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


def problems(value, schema: dict, doc: dict, where: str = "$") -> list[str]:
    """How `value` departs from `schema`, for the part of JSON Schema this document uses."""
    schema = resolve(schema, doc)
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if types and not any(TYPES[t](value) for t in types):
        return [f"{where}: {value!r} is not {types}"]
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: {value!r} is not {schema['const']!r}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{where}: missing {key}" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            found += [f"{where}: undocumented {key}" for key in value if key not in properties]
        for key, item in value.items():
            if key in properties:
                found += problems(item, properties[key], doc, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += problems(item, schema["items"], doc, f"{where}[{i}]")
    return found


def response_schema(doc: dict, path: str, method: str, status: int) -> dict:
    responses = doc["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    return resolve(resolve(responses[str(status)], doc)["content"]["application/json"]["schema"], doc)


def check(doc: dict, response, path: str, method: str) -> dict:
    """The response's JSON, after checking it against what the document promises for its status."""
    body = response.get_json()
    schema = response_schema(doc, path, method, response.status_code)
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
