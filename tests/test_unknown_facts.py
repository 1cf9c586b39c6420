"""Facts we do not know yet: a value in the knowledge, one wording in the answers, a to-do list for the office.

A fact (`facts:` in an item: a phone, opening hours, a promised time limit) with no value is said in
the one standard sentence of messages.yaml, with where to ask meanwhile. Every answer that had to say
it is logged with the fact, so the office's to-do list (`assistant kb unknowns`, the dashboard) puts
the gaps citizens meet most often first; filling one in the editor changes the answers at once.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import yaml

from assistant import create_app, facts
from assistant.db import connection
from assistant.errors import KnowledgeError
from assistant.knowledge import load

HOURS_QUESTION = "人防窗口几点开门几点下班"  # answered by office-contact's `hours` entry
APPOINTMENT_QUESTION = "去窗口之前要不要先预约"  # office-contact's `appointment` entry


def fact_of(knowledge_dir, item_id: str, fact_id: str):
    knowledge = load(knowledge_dir)
    return knowledge, knowledge.items[item_id].fact(fact_id)


def logged_unknowns(db_path) -> list[str]:
    with connection(db_path) as db:
        return [row[0] for row in db.conn.execute("select unknowns from questions order by id")]


@pytest.fixture
def token(admin):
    page = admin.client.get("/admin/knowledge/items/office-contact").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def fill_in(client, token, item_id: str, fact_id: str, value: str, source: str | None):
    found = client.get(f"/admin/api/items/{item_id}").get_json()
    item = found["item"]
    fact = next(f for f in item["facts"] if f["id"] == fact_id)
    fact["value"] = value
    if source is not None:
        fact["source"] = source
    return client.put(f"/admin/api/items/{item_id}", json={"item": item},
                      headers={"X-CSRF-Token": token, "If-Match": found["version"]})


def unknowns_json(runner) -> list[dict]:
    result = runner.invoke(["kb", "unknowns", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# ---------------------------------------------------------------- in the answers


def test_an_unknown_fact_is_said_in_the_standard_wording_with_where_to_ask(ask, knowledge_dir, db_path):
    knowledge, hours = fact_of(knowledge_dir, "office-contact", "hours")
    assert not hours.known and hours.ask

    reply = ask(HOURS_QUESTION)

    assert reply["item_id"] == "office-contact" and reply["entry_id"] == "hours"
    said = facts.sentence(knowledge, hours)
    assert said in reply["reply"]
    assert hours.label in said and "暂未收录" in said
    for channel in hours.ask:  # every way to ask meanwhile, in the office's words
        assert knowledge.messages.fact_channels[channel] in said
    assert "{fact:" not in reply["reply"] and "{fact:" not in json.dumps(reply["details"], ensure_ascii=False)
    assert logged_unknowns(db_path) == ["office-contact.hours"]


def test_a_known_fact_is_stated_with_its_label_and_nothing_is_logged_as_unknown(knowledge_dir):
    path = knowledge_dir / "items" / "office-contact.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    hours = next(f for f in data["facts"] if f["id"] == "hours")
    hours.update(value="工作日上午九点至下午五点（测试数据）", source="测试")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    knowledge = load(knowledge_dir)

    rendered = facts.render(knowledge, "office-contact", "{fact:hours}", datetime.now().date())

    assert rendered.text == f"{hours['label']}：工作日上午九点至下午五点（测试数据）。"
    assert rendered.unknowns == ()


def test_another_items_fact_can_be_named_and_a_missing_one_is_a_path_line_problem(knowledge_dir):
    path = knowledge_dir / "items" / "progress-lookup.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("summary: >-\n", "summary: >-\n  {fact:office-contact.phone}\n", 1), encoding="utf-8")
    knowledge = load(knowledge_dir)  # another item's fact: fine
    assert facts.render(knowledge, "progress-lookup", knowledge.items["progress-lookup"].summary,
                        datetime.now().date()).unknowns == ("office-contact.phone",)

    path.write_text(text.replace("summary: >-\n", "summary: >-\n  {fact:office-contact.fax}\n", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as found:
        load(knowledge_dir)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("summary: "))
    assert line > 1
    assert any(p.path.endswith("items/progress-lookup.yaml") and p.line == line and "fax" in p.message
               for p in found.value.problems)


def test_a_filled_value_without_its_source_is_refused(knowledge_dir):
    path = knowledge_dir / "items" / "office-contact.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - id: phone\n", "  - id: phone\n    value: 021-00000000\n", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as found:
        load(knowledge_dir)
    assert [p.field for p in found.value.problems] == ["facts.0.source"]
    assert "出处" in found.value.problems[0].message


def test_kb_check_counts_the_unknown_facts_of_each_item(runner, knowledge_dir):
    counts = facts.counts_by_item(load(knowledge_dir))
    result = runner.invoke(["kb", "check"])
    assert result.exit_code == 0, result.output
    assert counts["office-contact"] >= 1
    assert f"尚未掌握的事实：{sum(counts.values())} 项" in result.output
    for item_id, n in counts.items():
        assert f"{item_id} {n}" in result.output


# ---------------------------------------------------------------- the office's to-do list


def test_the_to_do_list_puts_the_facts_citizens_asked_for_most_first(ask, runner, knowledge_dir):
    for _ in range(3):
        ask(HOURS_QUESTION)
    ask(APPOINTMENT_QUESTION)

    listed = unknowns_json(runner)

    assert [(u["item_id"], u["fact"], u["asked"]) for u in listed[:2]] == [
        ("office-contact", "hours", 3), ("office-contact", "appointment", 1),
    ]
    assert all(u["asked"] == 0 for u in listed[2:])
    every = {(item.id, f.id) for item in load(knowledge_dir).items.values() for f in item.facts if not f.known}
    assert {(u["item_id"], u["fact"]) for u in listed} == every
    first = listed[0]
    assert first["field"].startswith("facts.") and first["field"].endswith(".value")
    assert first["ask_meanwhile"] and first["label"]


def test_the_dashboard_lists_the_gaps_by_demand_each_one_click_from_its_field(ask, admin):
    ask(APPOINTMENT_QUESTION)
    ask(APPOINTMENT_QUESTION)
    ask(HOURS_QUESTION)

    page = admin.client.get("/admin").get_data(as_text=True)

    section = page[page.index('id="unknowns-title"'):]
    section = section[:section.index("</section>")]
    appointment, hours = section.index("是否需要预约"), section.index("开放时间")
    assert appointment < hours
    links = re.findall(r'href="(/admin/knowledge/items/office-contact#facts\.\d+\.value)"', section)
    assert len(links) >= 2
    assert 'id="chart-unknown"' in section


def test_weekly_counts_keep_what_each_answer_said_when_it_was_given(db_path, app, ask):
    ask(HOURS_QUESTION)
    ask("人防车位能卖吗")  # answered without an unknown
    with connection(db_path) as db:
        old = (datetime.now(UTC) - timedelta(weeks=2)).isoformat(timespec="seconds")
        db.conn.execute(
            "insert into questions (asked_at, conversation_id, question, kind, item_id, score, unknowns)"
            " values (?, 'x', '窗口几点开门', 'answer', 'office-contact', 80, 'office-contact.hours')", (old,))
        db.conn.commit()
        weeks = facts.weekly(db.conn, 4)

    assert [w["with_unknown"] for w in weeks] == [0, 1, 0, 1]
    assert weeks[-1]["answered"] == 2


def test_weeks_start_on_monday_in_beijing_time(db_path, app):
    with connection(db_path) as db:
        for asked_at in ("2026-11-29T15:00:00+00:00",  # Sunday 23:00 in Shanghai: the week of 11-23
                         "2026-11-29T17:00:00+00:00"):  # Monday 01:00 in Shanghai: the week of 11-30
            db.conn.execute(
                "insert into questions (asked_at, conversation_id, question, kind, item_id, score, unknowns)"
                " values (?, 'x', '窗口几点开门', 'answer', 'office-contact', 80, 'office-contact.hours')", (asked_at,))
        db.conn.commit()
        weeks = facts.weekly(db.conn, 2, today=date(2026, 12, 2))

    assert weeks == [{"week": "2026-11-23", "answered": 1, "with_unknown": 1},
                     {"week": "2026-11-30", "answered": 1, "with_unknown": 1}]


# ---------------------------------------------------------------- filling a fact in


def test_filling_a_fact_in_the_editor_changes_every_workers_answer(admin, token, ask, db_path, knowledge_dir):
    assert "暂未收录" in ask(HOURS_QUESTION)["reply"]
    other_worker = create_app({"TESTING": True, "DB": str(db_path), "KNOWLEDGE": str(knowledge_dir),
                               "SECRET_KEY": "test", "DEMO_DATA": False, "KNOWLEDGE_RELOAD_SECONDS": 0})

    refused = fill_in(admin.client, token, "office-contact", "hours", "工作日 9:00–17:00（测试）", None)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["facts.2.source"]

    saved = fill_in(admin.client, token, "office-contact", "hours", "工作日 9:00–17:00（测试）", "办公室提供（测试）")
    assert saved.status_code == 200, saved.get_json()

    for client in (admin.client, other_worker.test_client()):
        reply = client.post("/api/chat", json={"message": HOURS_QUESTION}).get_json()
        assert "人防窗口的开放时间：工作日 9:00–17:00（测试）。" in reply["reply"]
        assert "暂未收录" not in reply["reply"].split("\n")[1]
    assert logged_unknowns(db_path)[-1] == ""
    written = yaml.safe_load((knowledge_dir / "items" / "office-contact.yaml").read_text(encoding="utf-8"))
    assert next(f for f in written["facts"] if f["id"] == "hours")["source"] == "办公室提供（测试）"


def test_the_reviewers_spreadsheet_lists_each_items_facts_on_a_line(runner, tmp_path, knowledge_dir):
    target = tmp_path / "kb.xlsx"
    assert runner.invoke(["kb", "export", "--format", "xlsx", "--output", str(target)]).exit_code == 0
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[1]]
    column = next(i for i, title in enumerate(header) if title.startswith("事实"))
    office = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "office-contact")
    lines = office[column].value.split("\n")
    assert lines[0].startswith("id: phone；label: 青浦区国动办的咨询电话；ask: guide、")
    assert len(lines) == len(load(knowledge_dir).items["office-contact"].facts)


def test_a_misspelt_placeholder_in_the_standard_wording_is_a_path_line_problem_not_a_failed_reply(knowledge_dir):
    path = knowledge_dir / "messages.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("fact_unknown: \"{label}，", "fact_unknown: \"{lable}，", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as found:
        load(knowledge_dir)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("fact_unknown:"))
    [problem] = found.value.problems
    assert (problem.line, problem.field) == (line, "fact_unknown") and "{lable}" in problem.message
