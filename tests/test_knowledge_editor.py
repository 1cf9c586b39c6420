"""The knowledge editor: administrators correct the knowledge from the browser, every change a version.

The API (`/admin/api/items/<id>`) reads an item as a dict with its version, saves it only if it passes
the checks of `assistant kb check` (422 naming each field, nothing written) and only if nobody saved
since (409), keeps the file's comments, creates and deletes items (never a required one). Every save
and every hand edit is a version in SQLite (`assistant kb history`, rollback from the CLI and the web);
workers sharing one database serve the same version, and after a broken hand edit the same last good
one, even a worker started after it. Hostile YAML (deep nesting, alias bombs) is a PATH:LINE problem.
"""

from __future__ import annotations

import difflib
import json
import re
import time

import pytest

from assistant import create_app
from assistant.db import connection
from assistant.knowledge import REQUIRED_IDS

ENTRY_QUESTION = "易地建设费是什么费"  # answered by offsite-fee's first entry, `what-is`


@pytest.fixture
def token(admin):
    page = admin.client.get("/admin/knowledge/items/offsite-fee").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def get_item(client, item_id="offsite-fee") -> dict:
    response = client.get(f"/admin/api/items/{item_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def put_item(client, token, item, version, item_id="offsite-fee"):
    return client.put(f"/admin/api/items/{item_id}", json={"item": item},
                      headers={"X-CSRF-Token": token, "If-Match": version})


def first_answer_changed(found: dict, text: str) -> dict:
    item = found["item"]
    item["entries"][0]["answer"] = text
    return item


def second_app(db_path, knowledge_dir, interval=0):
    """Another worker: its own process state, the same database and knowledge folder."""
    return create_app({"TESTING": True, "DB": str(db_path), "KNOWLEDGE": str(knowledge_dir), "SECRET_KEY": "test",
                       "DEMO_DATA": False, "KNOWLEDGE_RELOAD_SECONDS": interval})


# ---------------------------------------------------------------- reading and saving


def test_an_item_is_read_as_its_fields_and_a_version(admin):
    found = get_item(admin.client)
    assert found["item"]["id"] == "offsite-fee" and found["item"]["entries"][0]["id"] == "what-is"
    assert re.fullmatch(r"[0-9a-f]{20}", found["version"])
    assert found["preview"]["name"] == found["item"]["name"]  # as the public sees it now
    assert found["text"].startswith("# 民防工程建设费")
    assert admin.client.get("/admin/api/items/no-such-item").status_code == 404


def test_a_saved_answer_is_what_the_public_gets_next(admin, token, ask, knowledge_dir):
    found = get_item(admin.client)
    response = put_item(admin.client, token, first_answer_changed(found, "这是改过的回答：易地建设费就是民防工程建设费。"),
                        found["version"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] != found["version"] and body["knowledge_version"] >= 2
    assert "这是改过的回答" in (knowledge_dir / "items" / "offsite-fee.yaml").read_text(encoding="utf-8")
    assert "这是改过的回答" in ask(ENTRY_QUESTION)["reply"]
    assert admin.client.get("/healthz").get_json()["knowledge_version"] == body["knowledge_version"]


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda i: i["entries"][2].update(answer="短"), "entries.2.answer", "问题条目第 3 条的“直接回答”：内容太短"),
        (lambda i: i.update(category="other"), "category", "“类别”：取值不在允许范围内"),
        (lambda i: i["related"].append("no-such-item"), None, "不是已有事项的 id"),
        (lambda i: i["entries"][0].update(answer="下次试鸣在{next_siren}。"), "entries.0.answer", "不认识的占位符"),
        (lambda i: i["entries"][1].update(id="what-is"), "entries.1.id", "重复"),
        (lambda i: i["entries"][0].update(answer="第一行没有说完，\n第二行。"), "entries.0.answer", "在句子中间换行"),
        (lambda i: i.update(questions=["只有一条"]), "questions", "“示例问题”：内容太少"),
        (lambda i: i.pop("summary"), "summary", "“简介”：缺少必填字段"),
        (lambda i: i["time_limit"].update(statutory_days="二十"), "time_limit.statutory_days", "应当是整数"),
    ],
)
def test_an_invalid_save_names_the_field_in_chinese_and_writes_nothing(admin, token, knowledge_dir, change, field, words):
    path = knowledge_dir / "items" / "offsite-fee.yaml"
    before = path.read_bytes()
    found = get_item(admin.client)
    change(found["item"])
    response = put_item(admin.client, token, found["item"], found["version"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert any(words in e["message"] and (field is None or e["field"] == field) for e in errors), errors
    assert path.read_bytes() == before
    assert get_item(admin.client)["version"] == found["version"]


def test_a_save_from_a_stale_version_is_refused_with_409(admin, token, knowledge_dir):
    found = get_item(admin.client)
    first = put_item(admin.client, token, first_answer_changed(found, "第一位管理员的回答。"), found["version"])
    assert first.status_code == 200
    second = put_item(admin.client, token, first_answer_changed(found, "第二位管理员的回答。"), found["version"])
    assert second.status_code == 409
    assert "已被他人修改" in second.get_json()["error"] and second.get_json()["version"] == first.get_json()["version"]
    assert "第一位管理员的回答" in (knowledge_dir / "items" / "offsite-fee.yaml").read_text(encoding="utf-8")


def test_a_hand_edit_since_opening_makes_the_save_stale(admin, token, knowledge_dir):
    found = get_item(admin.client)
    path = knowledge_dir / "items" / "offsite-fee.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 手工加的一行注释\n", encoding="utf-8")
    assert put_item(admin.client, token, found["item"], found["version"]).status_code == 409


def test_a_save_needs_its_version_and_the_csrf_token(admin, token):
    found = get_item(admin.client)
    no_version = admin.client.put("/admin/api/items/offsite-fee", json={"item": found["item"]}, headers={"X-CSRF-Token": token})
    assert no_version.status_code == 428 and "If-Match" in no_version.get_json()["error"]
    no_token = admin.client.put("/admin/api/items/offsite-fee", json={"item": found["item"]}, headers={"If-Match": found["version"]})
    assert no_token.status_code == 400
    quoted = admin.client.put("/admin/api/items/offsite-fee", json={"item": found["item"]},
                              headers={"X-CSRF-Token": token, "If-Match": f'"{found["version"]}"'})
    assert quoted.status_code == 200 and quoted.get_json()["changed"] is False  # nothing changed, nothing written
    not_json = admin.client.put("/admin/api/items/offsite-fee", data="x", headers={"X-CSRF-Token": token, "If-Match": found["version"]})
    assert not_json.status_code == 400 and not_json.get_json()["error"]


def test_comments_key_order_and_untouched_text_survive_a_save(admin, token, knowledge_dir):
    path = knowledge_dir / "items" / "offsite-fee.yaml"
    before = path.read_text(encoding="utf-8")
    found = get_item(admin.client)
    item = first_answer_changed(found, "改过的回答。")
    item["keywords"].insert(0, "新加的关键词")
    assert put_item(admin.client, token, item, found["version"]).status_code == 200
    after = path.read_text(encoding="utf-8")
    assert after.startswith("# 民防工程建设费（防空地下室易地建设费）\n# 本事项只讲钱")  # the header comments
    assert "  # 退费、缓缴、减免的各种说法\n  - 退回\n" in after  # a comment inside a list, still before its item
    assert [ln.split(":")[0] for ln in after.splitlines() if re.match(r"^[a-z_]+:", ln)] == \
           [ln.split(":")[0] for ln in before.splitlines() if re.match(r"^[a-z_]+:", ln)]  # key order
    changes = [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
               if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert [ln for ln in changes if ln.startswith("+")] == ["+  - 新加的关键词", "+    answer: |-", "+      改过的回答。"]
    assert len(changes) == 6  # the old answer's `answer: |` and its two lines went, nothing else


def test_the_raw_file_can_be_saved_and_its_errors_name_the_line(admin, token, knowledge_dir):
    found = get_item(admin.client)
    broken = found["text"].replace("short_name: 易地建设费", "short_name: [易地建设费", 1)
    response = admin.client.put("/admin/api/items/offsite-fee", json={"text": broken},
                                headers={"X-CSRF-Token": token, "If-Match": found["version"]})
    assert response.status_code == 422
    assert re.search(r"第 \d+ 行：YAML 格式错误", response.get_json()["errors"][0]["message"])
    fixed = found["text"].replace("short_name: 易地建设费", "short_name: 易地费", 1)
    response = admin.client.put("/admin/api/items/offsite-fee", json={"text": fixed},
                                headers={"X-CSRF-Token": token, "If-Match": found["version"]})
    assert response.status_code == 200
    assert (knowledge_dir / "items" / "offsite-fee.yaml").read_text(encoding="utf-8") == fixed


# ---------------------------------------------------------------- new items, deleting


NEW_ITEM = {
    "id": "shelter-rental",
    "name": "人防工程出租和转租",
    "short_name": "人防工程出租",
    "category": "public",
    "aliases": ["人防出租", "人防工程租赁"],
    "keywords": ["出租", "转租", "租赁", "租出去", "租给"],
    "summary": "已经建成的人防工程平时可以出租使用，但须符合平时使用的规定并办理使用备案。",
    "questions": ["人防工程可以出租吗", "防空地下室能不能租出去", "出租人防地下室有什么规定", "人防工程转租", "人防工程能租给别人吗"],
    "sources": ["domain-facts.md §1"],
}


def test_a_new_item_is_created_checked_and_can_be_deleted(admin, token, knowledge_dir, ask):
    response = admin.client.post("/admin/api/items", json={"item": NEW_ITEM}, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["url"] == "/admin/knowledge/items/shelter-rental"
    path = knowledge_dir / "items" / "shelter-rental.yaml"
    # written in the files' own key order, whatever order the request had
    assert path.read_text(encoding="utf-8").startswith("id: shelter-rental\nname: 人防工程出租和转租\nshort_name: 人防工程出租\n")
    assert get_item(admin.client, "shelter-rental")["item"] == NEW_ITEM
    assert ask("防空地下室能不能租出去")["item_id"] == "shelter-rental"

    again = admin.client.post("/admin/api/items", json={"item": NEW_ITEM}, headers={"X-CSRF-Token": token})
    assert again.status_code == 422 and again.get_json()["errors"][0]["field"] == "id"

    deleted = admin.client.delete("/admin/api/items/shelter-rental", headers={"X-CSRF-Token": token})
    assert deleted.status_code == 200 and not path.exists()
    assert ask("防空地下室能不能租出去")["item_id"] != "shelter-rental"


@pytest.mark.parametrize(
    "item, field, words",
    [
        ({**NEW_ITEM, "id": "Bad Id"}, "id", "只能用小写字母"),
        ({**NEW_ITEM, "questions": ["一条"]}, "questions", "内容太少"),
        ({**NEW_ITEM, "short_name": "短"}, "short_name", "内容太短"),
    ],
)
def test_an_invalid_new_item_is_refused_and_no_file_is_written(admin, token, knowledge_dir, item, field, words):
    response = admin.client.post("/admin/api/items", json={"item": item}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    assert any(e["field"] == field and words in e["message"] for e in response.get_json()["errors"])
    assert sorted(p.name for p in (knowledge_dir / "items").iterdir()) == sorted(f"{i}.yaml" for i in (*REQUIRED_IDS, "about-civil-defence"))


@pytest.mark.parametrize("item_id", [*REQUIRED_IDS[:3], "penalties"])
def test_a_required_item_is_never_deleted(admin, token, knowledge_dir, item_id):
    response = admin.client.delete(f"/admin/api/items/{item_id}", headers={"X-CSRF-Token": token})
    assert response.status_code == 422 and "必备事项" in response.get_json()["errors"][0]["message"]
    assert (knowledge_dir / "items" / f"{item_id}.yaml").exists()


def test_an_item_another_item_names_is_not_deleted(admin, token, knowledge_dir):
    created = admin.client.post("/admin/api/items", json={"item": NEW_ITEM}, headers={"X-CSRF-Token": token})
    assert created.status_code == 201
    found = get_item(admin.client)
    found["item"]["related"].append("shelter-rental")
    assert put_item(admin.client, token, found["item"], found["version"]).status_code == 200
    response = admin.client.delete("/admin/api/items/shelter-rental", headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    assert "offsite-fee.yaml" in response.get_json()["errors"][0]["message"]
    assert (knowledge_dir / "items" / "shelter-rental.yaml").exists()


# ---------------------------------------------------------------- who may


def test_staff_get_403_and_strangers_401_from_the_editor(auth):
    client = auth.client
    for url in ["/admin/api/items/offsite-fee", "/admin/api/items", "/admin/api/versions"]:
        response = client.get(url)
        assert response.status_code == 401 and response.is_json, url
    # a write without a session has no CSRF token either: refused before anything else
    assert client.put("/admin/api/items/offsite-fee", json={}).status_code == 400
    assert client.get("/admin/knowledge").status_code == 302  # people go to the login page
    auth.create("wang", "staff")
    auth.login("wang")
    for method, url in [("get", "/admin/api/items/offsite-fee"), ("get", "/admin/api/versions")]:
        response = getattr(client, method)(url)
        assert response.status_code == 403 and response.get_json()["error"], url
    assert client.get("/admin/knowledge").status_code == 403
    console = client.get("/staff")
    assert console.status_code == 200 and "staff-nav__user" in console.get_data(as_text=True)  # the nav is there
    assert "知识库" not in console.get_data(as_text=True).split("staff-nav__user")[0]


# ---------------------------------------------------------------- versions and rollback


def test_every_save_is_a_version_with_who_when_and_the_diff(runner, admin, token, db_path, knowledge_dir):
    found = get_item(admin.client)
    assert put_item(admin.client, token, first_answer_changed(found, "第一版改动。"), found["version"]).status_code == 200
    versions = admin.client.get("/admin/api/versions").get_json()["versions"]
    newest = versions[0]
    assert newest["who"] == "chen" and newest["files"] == ["items/offsite-fee.yaml"] and newest["good"]
    assert "+      第一版改动。" in newest["diff"] and newest["diff"].startswith("--- a/items/offsite-fee.yaml")
    assert versions[-1]["note"] == "开始记录版本"

    result = runner.invoke(["kb", "history", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert listed[0]["version"] == newest["version"] and listed[0]["who"] == "chen"
    text = runner.invoke(["kb", "history"]).output
    assert f"{newest['version']}\t" in text and "chen" in text and "items/offsite-fee.yaml" in text

    html = admin.client.get("/admin/knowledge/history").get_data(as_text=True)
    assert f"版本 {newest['version']}" in html and "网站正在使用" in html and "第一版改动。" in html
    listing = admin.client.get("/admin/knowledge?q=易地").get_data(as_text=True)
    assert "民防工程建设费" in listing and "chen" in listing and "人防车位" not in listing


def test_rollback_from_the_cli_and_the_web_restore_the_old_text_as_new_versions(runner, admin, token, db_path, knowledge_dir, ask):
    original = ask(ENTRY_QUESTION)["reply"]
    start = admin.client.get("/healthz").get_json()["knowledge_version"]
    found = get_item(admin.client)
    assert put_item(admin.client, token, first_answer_changed(found, "会被回滚的回答。"), found["version"]).status_code == 200
    assert "会被回滚的回答" in ask(ENTRY_QUESTION)["reply"]

    result = runner.invoke(["kb", "rollback", str(start)])
    assert result.exit_code == 0, result.output
    assert f"已恢复为版本 {start}" in result.output
    assert ask(ENTRY_QUESTION)["reply"] == original
    versions = admin.client.get("/admin/api/versions").get_json()["versions"]
    assert versions[0]["who"] == "cli" and versions[0]["note"] == f"回滚到版本 {start}"
    assert "-      会被回滚的回答。" in versions[0]["diff"]

    # …and back again from the page, itself a new version
    edited = versions[1]["version"]
    response = admin.client.post(f"/admin/knowledge/history/{edited}/rollback", data={"csrf_token": token})
    assert response.status_code == 302
    assert "会被回滚的回答" in ask(ENTRY_QUESTION)["reply"]
    assert admin.client.get("/admin/api/versions").get_json()["versions"][0]["note"] == f"回滚到版本 {edited}"
    assert "已恢复为版本" in admin.client.get("/admin/knowledge/history").get_data(as_text=True)

    api = admin.client.post(f"/admin/api/versions/{start}/rollback", headers={"X-CSRF-Token": token})
    assert api.status_code == 200 and api.get_json()["changed"] is True
    assert ask(ENTRY_QUESTION)["reply"] == original
    same = admin.client.post(f"/admin/api/versions/{start}/rollback", headers={"X-CSRF-Token": token})
    assert same.get_json()["changed"] is False
    assert runner.invoke(["kb", "rollback", "999"]).exit_code == 1


def test_a_hand_edit_is_recorded_as_a_version_by_file(runner, client, knowledge_dir, db_path):
    before = client.get("/healthz").get_json()["knowledge_version"]
    path = knowledge_dir / "items" / "siren-test.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 管理员直接加的注释\n", encoding="utf-8")
    after = client.get("/healthz").get_json()["knowledge_version"]
    assert after == before + 1
    history = json.loads(runner.invoke(["kb", "history", "--json"]).output)
    assert history[0]["version"] == after and history[0]["who"] == "file" and history[0]["note"] == "手工修改"
    assert history[0]["files"] == ["items/siren-test.yaml"] and "+# 管理员直接加的注释" in history[0]["diff"]


def test_kb_history_records_a_hand_edit_no_server_noticed(runner, db_path, knowledge_dir):
    runner.invoke(["kb", "history"])
    path = knowledge_dir / "items" / "siren-test.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 又一行\n", encoding="utf-8")
    listed = json.loads(runner.invoke(["kb", "history", "--json"]).output)
    assert [v["who"] for v in listed] == ["file", "file"] and listed[0]["files"] == ["items/siren-test.yaml"]


# ---------------------------------------------------------------- every worker the same version


def test_two_workers_on_one_database_serve_the_same_version_after_a_save(app, admin, token, db_path, knowledge_dir):
    other = second_app(db_path, knowledge_dir).test_client()
    assert other.get("/healthz").get_json()["knowledge_version"] == admin.client.get("/healthz").get_json()["knowledge_version"]
    found = get_item(admin.client)
    saved = put_item(admin.client, token, first_answer_changed(found, "两个进程都用这一版。"), found["version"]).get_json()
    assert other.get("/healthz").get_json()["knowledge_version"] == saved["knowledge_version"]
    reply = other.post("/api/chat", json={"message": ENTRY_QUESTION}).get_json()["reply"]
    assert "两个进程都用这一版" in reply


def test_after_a_broken_hand_edit_every_worker_serves_the_same_last_good_version(runner, client, db_path, knowledge_dir):
    lagging = second_app(db_path, knowledge_dir).test_client()  # started, then not asked while the good edit lands
    assert lagging.get("/healthz").get_json()["knowledge_version"] == client.get("/healthz").get_json()["knowledge_version"]

    path = knowledge_dir / "items" / "offsite-fee.yaml"
    good = path.read_text(encoding="utf-8").replace("民防工程建设费俗称易地建设费", "【手工改过】民防工程建设费俗称易地建设费", 1)
    path.write_text(good, encoding="utf-8")
    last_good = client.get("/healthz").get_json()["knowledge_version"]  # this worker notices and records it
    path.write_text(good.replace("category: service", "category: [坏了"), encoding="utf-8")

    for worker in (client, lagging, second_app(db_path, knowledge_dir).test_client()):  # the third starts only now
        health = worker.get("/healthz").get_json()
        assert health["status"] == "ok" and health["knowledge_version"] == last_good
        assert any(w.startswith("knowledge/items/offsite-fee.yaml:") for w in health["warnings"])
        reply = worker.post("/api/chat", json={"message": ENTRY_QUESTION}).get_json()["reply"]
        assert "【手工改过】" in reply
    history = json.loads(runner.invoke(["kb", "history", "--json"]).output)
    assert history[0]["good"] is False and history[0]["who"] == "file"  # the broken state is in the history


def test_a_worker_started_on_broken_files_with_no_good_version_anywhere_refuses_to_start(tmp_path, knowledge_dir):
    from assistant.errors import KnowledgeError

    (knowledge_dir / "office.yaml").write_text("name: [\n", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        second_app(tmp_path / "fresh.db", knowledge_dir)


# ---------------------------------------------------------------- hostile YAML


def _deep_block(depth: int) -> str:
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + f"{'  ' * depth}x\n"


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
)
HOSTILE = {
    "deep-block": (_deep_block(200), "嵌套层次太深"),
    "deep-flow": ("id: x\nname: " + "[" * 5000 + "]" * 5000 + "\n", None),
    "alias-bomb": (BOMB, "展开别名"),
    "huge": ("summary: " + "很长" * 400_000 + "\n", "文件太大"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_yaml_is_a_path_line_problem_in_kb_check(runner, knowledge_dir, name):
    text, words = HOSTILE[name]
    (knowledge_dir / "items" / "siren-test.yaml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit), result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("knowledge/items/siren-test.yaml:"))
    assert re.match(r"knowledge/items/siren-test.yaml:\d+: ", line)
    if words:
        assert words in line


@pytest.mark.parametrize("name", ["deep-block", "alias-bomb"])
def test_hostile_yaml_shows_in_healthz_and_the_site_keeps_serving(client, knowledge_dir, ask, name):
    (knowledge_dir / "items" / "siren-test.yaml").write_text(HOSTILE[name][0], encoding="utf-8")
    response = client.get("/healthz")
    assert response.status_code == 200
    warnings = response.get_json()["warnings"]
    assert any(re.match(r"knowledge/items/siren-test.yaml:\d+: .*" + HOSTILE[name][1], w) for w in warnings), warnings
    assert ask("警报试鸣是哪一天")["item_id"] == "siren-test"  # the last good version still answers


def test_an_empty_item_file_is_reported_not_skipped(runner, knowledge_dir):
    (knowledge_dir / "items" / "new-item.yaml").write_text("# 还没写\n", encoding="utf-8")
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1 and "knowledge/items/new-item.yaml:1: 文件是空的" in result.output


# ---------------------------------------------------------------- try before saving


def test_try_answers_with_the_unsaved_draft_and_tests_the_item(admin, token, knowledge_dir):
    path = knowledge_dir / "items" / "offsite-fee.yaml"
    before = path.read_bytes()
    found = get_item(admin.client)
    draft = first_answer_changed(found, "草稿里的回答，尚未保存。")
    draft["entries"][0]["variants"].append("人防易地费到底是个啥")
    response = admin.client.post("/admin/api/try", headers={"X-CSRF-Token": token},
                                 json={"item_id": "offsite-fee", "item": draft, "question": "人防易地费到底是个啥"})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    decision = result["decision"]
    assert decision["kind"] == "answer" and decision["this_item"] and decision["entry_id"] == "what-is"
    assert "草稿里的回答" in decision["reply"] and decision["score"] > 0
    assert all({"item_id", "name", "score"} <= set(r) for r in decision["runners_up"])
    tests = result["tests"]
    assert tests["total"] > 20 and 0 < tests["passed"] <= tests["total"]
    assert path.read_bytes() == before  # nothing written
    assert "草稿里的回答" not in admin.client.post("/api/chat", json={"message": ENTRY_QUESTION}).get_json()["reply"]


def test_try_with_an_invalid_draft_names_the_field(admin, token):
    found = get_item(admin.client)
    draft = first_answer_changed(found, "短")
    response = admin.client.post("/admin/api/try", headers={"X-CSRF-Token": token},
                                 json={"item_id": "offsite-fee", "item": draft, "question": ENTRY_QUESTION})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "entries.0.answer"


def test_a_new_item_can_be_tried_before_it_exists(admin, token):
    response = admin.client.post("/admin/api/try", headers={"X-CSRF-Token": token},
                                 json={"item": NEW_ITEM, "question": "防空地下室能不能租出去"})
    assert response.status_code == 200
    assert response.get_json()["decision"]["item_id"] == "shelter-rental"


# ---------------------------------------------------------------- the core API other modules use


def test_add_variant_and_add_entry_save_as_versions(db_path, knowledge_dir, ask, client):
    from assistant import knowledge_edit

    with connection(db_path) as db:
        saved = knowledge_edit.add_variant(db, knowledge_dir, "offsite-fee", "refund", "项目黄了交的钱能要回来不", "chen")
        again = knowledge_edit.add_variant(db, knowledge_dir, "offsite-fee", "refund", "项目黄了交的钱能要回来不", "chen")
        entry = {"id": "invoice-lost", "question": "易地建设费的缴费凭证丢了怎么办？",
                 "answer": "请向区国动办咨询补开证明的办法。", "sources": ["domain-facts.md §2"]}
        added = knowledge_edit.add_entry(db, knowledge_dir, "offsite-fee", entry, "chen")
        with pytest.raises(knowledge_edit.InvalidItem) as bad:
            knowledge_edit.add_entry(db, knowledge_dir, "offsite-fee", {**entry, "answer": "短"}, "chen")
    assert saved.changed and not again.changed and added.knowledge_version == saved.knowledge_version + 1
    assert bad.value.errors[0]["field"].endswith(".answer")
    item = knowledge_edit.read_item(knowledge_dir, "offsite-fee").item
    refund = next(e for e in item["entries"] if e["id"] == "refund")
    assert refund["variants"][-1] == "项目黄了交的钱能要回来不" and item["entries"][-1]["id"] == "invoice-lost"
    assert ask("项目黄了交的钱能要回来不")["entry_id"] == "refund"


# ---------------------------------------------------------------- pages


def test_the_editor_pages_are_admin_pages_with_a_nav_link(admin):
    listing = admin.client.get("/admin/knowledge")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and 'href="/admin/knowledge"' in html and "新建事项" in html
    assert html.count('href="/admin/knowledge/items/') == 26
    editor = admin.client.get("/admin/knowledge/items/offsite-fee").get_data(as_text=True)
    assert 'src="/static/editor.js"' in editor and "试一试" in editor and "<style" not in editor
    assert 'id="delete-button"' not in editor  # a required item
    assert 'id="delete-button"' in admin.client.get("/admin/knowledge/items/about-civil-defence").get_data(as_text=True)
    assert admin.client.get("/admin/knowledge/items/nope").status_code == 404
    assert admin.client.get("/admin/knowledge/new").status_code == 200
    assert admin.client.get("/admin/knowledge/history").headers["Cache-Control"] == "no-store"
