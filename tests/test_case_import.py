"""`assistant cases import FILE`: every row checked, all or nothing, re-import updates and keeps history."""

from __future__ import annotations

import json

import pytest

from assistant.db import connect

GOOD = {
    "case_no": "RF-2026-0001",
    "item_id": "shelter-build-approval",
    "applicant": "上海某某置业有限公司",
    "contact_phone": "139-1234-5678",
    "submitted_at": "2026-09-28",
    "status": "in_review",
    "project_name": "赵巷某住宅项目",
}


@pytest.fixture
def import_file(tmp_path, runner):
    """Write `content` to a file named `name` and run `assistant cases import` on it."""

    def _import(name: str, content: str):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return runner.invoke(["cases", "import", str(path)]), path

    return _import


def jsonl(*rows: dict) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def cases_in(db_path) -> dict[str, dict]:
    return {r["case_no"]: r for r in connect(db_path)["cases"].rows}


def test_a_good_jsonl_file_is_imported(import_file, db_path):
    second = {**GOOD, "case_no": "rf-2026-0002", "status": "needs_supplement",
              "missing_materials": ["施工图设计文件", "人防面积测算表"], "supplement_due": "2026-10-20"}
    result, _ = import_file("cases.jsonl", jsonl(GOOD, second))
    assert result.exit_code == 0, result.output
    assert "新增 2 条" in result.output
    rows = cases_in(db_path)
    assert set(rows) == {"RF-2026-0001", "RF-2026-0002"}  # case numbers compare without case
    assert rows["RF-2026-0001"]["phone_last4"] == "5678"
    assert json.loads(rows["RF-2026-0002"]["missing_materials"]) == ["施工图设计文件", "人防面积测算表"]


def test_a_missing_due_date_is_computed_in_working_days(import_file, db_path):
    # Submitted on the make-up Sunday before National Day 2025: 20 working days skip 1–8 October.
    import_file("cases.jsonl", jsonl({**GOOD, "submitted_at": "2025-09-28T10:15:00"}))
    row = cases_in(db_path)["RF-2026-0001"]
    # 9/29, 9/30, then 10/9 onwards with the make-up Saturday 10/11: the 20th is 31 October.
    assert row["due_date"] == "2025-10-31" and row["due_date_computed"] == 1
    assert row["submitted_at"] == "2025-09-28T10:15:00"


def test_a_csv_file_with_excel_bom_quotes_and_semicolon_lists_is_imported(import_file, db_path):
    content = (
        "\ufeffcase_no,item_id,applicant,contact_phone,submitted_at,status,missing_materials,notes\n"
        'RF-C-0001,offsite-fee,"某公司,二部",021-69212345,2026-03-05,needs_supplement,申请表;缴费凭证,"两行\n备注"\n'
        "RF-C-0002,use-filing,某物业,13800001111,2026-03-06,completed,,\n"
    )
    result, _ = import_file("cases.csv", content)
    assert result.exit_code == 0, result.output
    rows = cases_in(db_path)
    assert rows["RF-C-0001"]["applicant"] == "某公司,二部"
    assert json.loads(rows["RF-C-0001"]["missing_materials"]) == ["申请表", "缴费凭证"]
    assert rows["RF-C-0001"]["phone_last4"] == "2345"
    assert json.loads(rows["RF-C-0002"]["missing_materials"]) == []


def test_one_bad_row_imports_nothing_and_every_bad_row_is_reported(import_file, db_path):
    rows = [
        GOOD,
        {**GOOD, "case_no": "RF-2", "item_id": "no-such-item"},
        {**GOOD, "case_no": "RF-3", "status": "finished", "submitted_at": "2026-02-30"},
        {**GOOD, "case_no": "RF-4", "contact_phone": ""},
    ]
    content = jsonl(*rows) + "{broken json\n" + jsonl({**GOOD, "case_no": "RF-5", "colour": "red"})
    result, path = import_file("cases.jsonl", content)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith(f"{path}:2: ") and "no-such-item" in line for line in lines)
    assert any(line.startswith(f"{path}:3: ") and "finished" in line for line in lines)
    assert any(line.startswith(f"{path}:3: ") and "2026-02-30" in line for line in lines)
    assert any(line.startswith(f"{path}:4: ") and "contact_phone" in line for line in lines)
    assert any(line.startswith(f"{path}:5: ") and "JSON" in line for line in lines)
    assert any(line.startswith(f"{path}:6: ") and "colour" in line for line in lines)
    assert not any(f"{path}:1:" in line for line in lines)
    assert "未导入任何办件" in result.output
    assert cases_in(db_path) == {}


def test_csv_line_numbers_count_physical_lines_with_the_header_as_line_one(import_file):
    content = (
        "case_no,item_id,applicant,contact_phone,submitted_at,status,notes\n"
        'RF-1,use-filing,某物业,13800001111,2026-03-06,completed,"第一行\n第二行"\n'
        "RF-2,use-filing,某物业,13800001111,2026-03-06,unknown,\n"
    )
    result, path = import_file("cases.csv", content)
    assert result.exit_code == 1
    assert f"{path}:4: " in result.output and "unknown" in result.output


def test_a_csv_header_missing_a_required_column_is_reported_once(import_file):
    result, path = import_file("cases.csv", "case_no,item_id\nRF-1,use-filing\nRF-2,use-filing\n")
    assert result.exit_code == 1
    assert f"{path}:1: " in result.output and "applicant" in result.output
    assert f"{path}:2:" not in result.output


def test_the_same_case_twice_in_one_file_is_an_error(import_file):
    result, path = import_file("cases.jsonl", jsonl(GOOD, {**GOOD, "case_no": "rf-2026-0001"}))
    assert result.exit_code == 1
    assert f"{path}:2: " in result.output and "第 1 行" in result.output


def test_reimport_updates_the_case_and_records_the_status_change_once(import_file, db_path):
    import_file("day1.jsonl", jsonl(GOOD))
    later = {**GOOD, "status": "completed", "updated_at": "2026-10-09T16:00:00"}
    result, _ = import_file("day2.jsonl", jsonl(later))
    assert "更新 1 条" in result.output and "1 条状态有变化" in result.output
    result, _ = import_file("day3.jsonl", jsonl(later))  # the same export again changes nothing
    assert "0 条状态有变化" in result.output

    db = connect(db_path)
    assert db["cases"].count == 1
    history = list(db.query("select status, changed_at, source from case_history order by id"))
    assert history == [
        {"status": "in_review", "changed_at": "2026-09-28", "source": "day1.jsonl"},
        {"status": "completed", "changed_at": "2026-10-09T16:00:00", "source": "day2.jsonl"},
    ]


def test_the_first_real_import_replaces_the_demo_cases(knowledge_dir, import_file, db_path):
    from assistant import create_app

    create_app({"DB": str(db_path), "KNOWLEDGE": str(knowledge_dir), "SECRET_KEY": "x", "DEMO_DATA": True})
    assert any(r["demo"] for r in cases_in(db_path).values())
    result, _ = import_file("cases.jsonl", jsonl(GOOD))
    assert result.exit_code == 0 and "演示办件" in result.output
    assert list(cases_in(db_path)) == ["RF-2026-0001"]


def test_an_unsupported_file_type_is_refused(import_file):
    result, path = import_file("cases.xlsx", "not really")
    assert result.exit_code == 1 and ".jsonl" in result.output


# ---- CSV files as they really arrive: stray quotes, huge cells, other encodings ----------------------

HEADER = "case_no,item_id,applicant,contact_phone,submitted_at,status\n"


def csv_row(n: int, applicant: str = "上海某某置业有限公司") -> str:
    return f"RF-2026-{n:04d},use-filing,{applicant},13912345678,2026-09-28,in_review\n"


def test_a_stray_quote_is_reported_at_its_line_not_as_a_traceback(import_file, db_path):
    rows = [csv_row(n) for n in range(1, 40)]
    rows[4] = csv_row(5, applicant='"上海某某置业有限公司')  # an opening quote never closed
    result, path = import_file("cases.csv", HEADER + "".join(rows))
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}:6: 这一行的引号没有配对" in result.output
    assert "Traceback" not in result.output
    assert connect(db_path)["cases"].count == 0


def test_a_huge_cell_is_reported_at_its_line(import_file, db_path):
    rows = [csv_row(1), csv_row(2, applicant="某" * 30000), csv_row(3)]
    result, path = import_file("cases.csv", HEADER + "".join(rows))
    assert result.exit_code == 1
    assert f"{path}:3: 有一格内容太长" in result.output
    assert connect(db_path)["cases"].count == 0


def test_a_file_that_is_not_utf8_is_reported_at_the_line(runner, tmp_path, db_path):
    path = tmp_path / "cases.csv"
    path.write_bytes((HEADER + csv_row(1)).encode("utf-8") + csv_row(2).encode("gb18030"))
    result = runner.invoke(["cases", "import", str(path)])
    assert result.exit_code == 1 and f"{path}:3: 不是 UTF-8 编码" in result.output
    assert connect(db_path)["cases"].count == 0


def test_a_large_file_is_imported_in_batches_all_or_nothing(import_file, db_path):
    from assistant import importer

    good = "".join(csv_row(n) for n in range(1, importer.BATCH * 2 + 10))
    result, _ = import_file("cases.csv", HEADER + good)
    assert result.exit_code == 0, result.output
    assert connect(db_path)["cases"].count == importer.BATCH * 2 + 9
    # The same rows with one bad one at the very end: nothing of the earlier batches is written.
    bad = good.replace("2026-09-28,in_review\n", "2026-09-28,completed\n") + "RF-9999-0001,use-filing,某公司,1391234,2026-09-28,done\n"
    result, _ = import_file("cases.csv", HEADER + bad)
    assert result.exit_code == 1
    assert {r["status"] for r in connect(db_path)["cases"].rows} == {"in_review"}
