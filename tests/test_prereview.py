"""Pre-review (预审): tick the materials you have, learn what is still missing, before submitting."""

from __future__ import annotations


def test_an_answer_about_a_licence_offers_the_checklist(ask):
    reply = ask("结建审批需要哪些材料")
    assert reply["item_id"] == "shelter-build-approval"
    assert "prereview" in reply["actions"]


def test_the_checklist_comes_from_the_knowledge_file(client, knowledge_dir):
    body = client.get("/api/items/shelter-build-approval/materials").get_json()
    assert body["item_id"] == "shelter-build-approval"
    assert [m["id"] for m in body["materials"]] == list(range(len(body["materials"])))
    assert all(m["name"] for m in body["materials"])
    # Edit the file: the checklist follows.
    path = knowledge_dir / "items" / "shelter-build-approval.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("materials:\n", "materials:\n  - name: 新增的测试材料\n", 1), encoding="utf-8")
    again = client.get("/api/items/shelter-build-approval/materials").get_json()
    assert again["materials"][0]["name"] == "新增的测试材料"


def test_what_is_missing_is_listed_with_its_notes(client):
    materials = client.get("/api/items/shelter-build-approval/materials").get_json()["materials"]
    have = [m["id"] for m in materials[1:]]
    body = client.post("/api/prereview", json={"item_id": "shelter-build-approval", "have": have}).get_json()
    assert [m["id"] for m in body["missing"]] == [0]
    assert materials[0]["name"] in body["reply"]
    assert body["complete"] is (not materials[0]["required"])


def test_everything_ticked_is_complete(client):
    materials = client.get("/api/items/shelter-build-approval/materials").get_json()["materials"]
    body = client.post("/api/prereview", json={"item_id": "shelter-build-approval",
                                               "have": [m["id"] for m in materials]}).get_json()
    assert body["missing"] == [] and body["complete"] is True and "都已备齐" in body["reply"]


def test_items_without_a_materials_list_have_no_checklist(client):
    response = client.get("/api/items/siren-test/materials")
    assert response.status_code == 404 and "材料清单" in response.get_json()["error"]
    assert client.get("/api/items/no-such-item/materials").status_code == 404


def test_bad_pre_review_input_gets_a_clear_message(client):
    cases = [
        ({"item_id": "shelter-build-approval", "have": "0,1"}, 400),
        ({"item_id": "shelter-build-approval", "have": [99]}, 400),
        ({"item_id": "shelter-build-approval", "have": [True]}, 400),
        ({"item_id": "no-such-item", "have": []}, 404),
    ]
    for body, status in cases:
        response = client.post("/api/prereview", json=body)
        assert response.status_code == status, body
        assert response.get_json()["error"]
    assert client.post("/api/prereview", data="{not json", content_type="application/json").status_code == 400
