"""A broken knowledge edit never takes the site down; a fixed one is served again."""

from __future__ import annotations

import shutil

import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge import load


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert not body.get("warnings")


def test_broken_edit_keeps_last_good_version_and_warns(client, ask, knowledge_dir):
    before = ask("警报试鸣是哪一天")
    assert before["item_id"] == "siren-test"

    path = knowledge_dir / "items" / "siren-test.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("category: public", "category: [坏了"), encoding="utf-8")

    health = client.get("/healthz").get_json()
    assert health["status"] == "ok"
    assert any(w.startswith("knowledge/items/siren-test.yaml:") for w in health["warnings"])
    assert ask("警报试鸣是哪一天")["item_id"] == "siren-test"  # still served

    path.write_text(good, encoding="utf-8")
    health = client.get("/healthz").get_json()
    assert not health.get("warnings")


def test_edited_answer_is_served_after_reload(client, ask, knowledge_dir):
    path = knowledge_dir / "messages.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("decline_hint: ", "decline_hint: 【已更新】", 1), encoding="utf-8")
    reply = ask("今天晚饭吃什么好呢")
    assert reply["kind"] == "decline"
    assert "【已更新】" in reply["reply"]



def test_healthz_errors_are_json_for_monitoring_tools(client):
    response = client.post("/healthz")  # any failure of the health check reads as JSON, not a page
    assert response.status_code == 405
    assert response.is_json and response.get_json()["error"]


def test_the_same_contents_are_checked_once_and_every_edit_afresh(knowledge_dir, tmp_path):
    """Another app on the same bytes (a second worker, a test's copy) reuses the checked models; any
    changed byte is parsed and checked again, and broken contents are never kept."""
    first = load(knowledge_dir)
    copy = tmp_path / "copy"
    shutil.copytree(knowledge_dir, copy)
    second = load(copy)
    assert second.items is first.items  # not parsed again
    assert (first.folder, second.folder) == (knowledge_dir, copy)
    assert second.fingerprint == first.fingerprint

    path = copy / "items" / "offsite-fee.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("short_name: 易地建设费", "short_name: 易地费用"), encoding="utf-8")
    edited = load(copy)
    assert edited.items is not first.items
    assert edited.item("offsite-fee").short_name == "易地费用"
    assert edited.fingerprint != first.fingerprint  # so the matcher indexes the edit too

    path.write_text(good.replace("category: service", "category: [坏了"), encoding="utf-8")
    for _ in range(2):  # a broken file fails every time, named after the folder it is in
        with pytest.raises(KnowledgeError) as raised:
            load(copy)
        assert any(p.path == "copy/items/offsite-fee.yaml" for p in raised.value.problems)

    path.write_text(good, encoding="utf-8")
    assert load(copy).items is first.items
