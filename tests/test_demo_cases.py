"""Demo cases: a fresh site has something to look up, and they never mix with real cases."""

from __future__ import annotations

from assistant import create_app
from assistant.cases import STATUSES
from assistant.db import connect
from assistant.knowledge import load


def make_app(db_path, knowledge_dir):
    return create_app({"DB": str(db_path), "KNOWLEDGE": str(knowledge_dir), "SECRET_KEY": "x", "DEMO_DATA": True})


def test_first_start_seeds_every_status_of_every_licensing_item(db_path, knowledge_dir):
    make_app(db_path, knowledge_dir)
    rows = list(connect(db_path)["cases"].rows)
    licences = {i.id for i in load(knowledge_dir).items.values() if i.category == "licence"}
    assert {(r["item_id"], r["status"]) for r in rows} == {(i, s) for i in licences for s in STATUSES}
    assert all(r["demo"] == 1 and r["applicant"].startswith("【演示】") for r in rows)


def test_a_demo_case_can_be_looked_up_as_the_readme_says(db_path, knowledge_dir):
    client = make_app(db_path, knowledge_dir).test_client()
    body = client.post("/api/cases/lookup", json={"case_no": "DEMO-0011", "phone_last4": "0011"}).get_json()
    assert body["status_label"] == "待补正" and body["demo"] is True
    assert "演示数据" in body["reply"]


def test_a_second_start_does_not_seed_again(db_path, knowledge_dir):
    make_app(db_path, knowledge_dir)
    count = connect(db_path)["cases"].count
    make_app(db_path, knowledge_dir)
    assert connect(db_path)["cases"].count == count
    assert connect(db_path)["case_history"].count == count
