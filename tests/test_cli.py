"""The `assistant` command: ask, ask --jsonl, kb export and kb test."""

from __future__ import annotations

import json

from openpyxl import load_workbook


def test_ask_prints_the_reply(runner):
    result = runner.invoke(["ask", "警报试鸣是哪一天"])
    assert result.exit_code == 0
    assert "防空警报" in result.output


def test_ask_jsonl_answers_each_line_on_its_own(runner):
    lines = "易地建设费怎么交\n那要多久？\n\n社保卡丢了怎么办\n"
    result = runner.invoke(["ask", "--jsonl"], input=lines)
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 4
    assert all(set(r) == {"question", "item_id", "entry_id", "score", "kind", "reply"} for r in rows)
    assert rows[0]["item_id"] == "offsite-fee" and rows[0]["kind"] == "answer"
    assert rows[1]["item_id"] is None  # no conversation is carried between lines
    assert rows[2]["kind"] == "decline" and "请输入" in rows[2]["reply"]  # blank line: polite, not a crash
    assert rows[3]["item_id"] is None and rows[3]["kind"] == "decline"
    assert all(0 <= r["score"] <= 100 for r in rows)


def test_ask_with_a_broken_knowledge_base_says_so(runner, knowledge_dir):
    (knowledge_dir / "office.yaml").write_text("name: [\n", encoding="utf-8")
    result = runner.invoke(["ask", "结建"])
    assert result.exit_code == 1
    assert "knowledge/office.yaml:" in result.output
    assert "Traceback" not in result.output


def test_kb_export_json_lists_every_item_with_its_questions(runner):
    result = runner.invoke(["kb", "export"])
    assert result.exit_code == 0
    items = json.loads(result.output)
    ids = {i["id"] for i in items}
    assert {"shelter-build-approval", "civil-defence-parking", "siren-test"} <= ids
    assert all(i["name"] and len(i["questions"]) >= 5 for i in items)


def test_kb_export_xlsx_for_reviewers(runner, tmp_path):
    out = tmp_path / "kb.xlsx"
    result = runner.invoke(["kb", "export", "--format", "xlsx", "--output", str(out)])
    assert result.exit_code == 0
    sheet = load_workbook(out).active
    assert sheet.cell(1, 1).value == "事项 id"
    assert sheet.max_row == 1 + len(json.loads(runner.invoke(["kb", "export"]).output))


def test_kb_test_passes_on_the_shipped_knowledge(runner, knowledge_dir):
    result = runner.invoke(["kb", "test", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 0, result.output
    assert "个示例问题由本事项回答" in result.output


def test_kb_test_reports_an_example_that_belongs_elsewhere(runner, knowledge_dir):
    path = knowledge_dir / "items" / "siren-test.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("questions:\n", "questions:\n  - 易地建设费的收费标准是多少\n", 1), encoding="utf-8")
    result = runner.invoke(["kb", "test", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1
    assert "“易地建设费的收费标准是多少” 应由 siren-test 回答" in result.output
