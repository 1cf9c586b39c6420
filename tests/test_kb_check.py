"""`assistant kb check`: the shipped knowledge passes; every mistake is named as PATH:LINE."""

from __future__ import annotations

import pytest


def test_shipped_knowledge_passes(runner, knowledge_dir):
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 0, result.output
    assert "知识库正常" in result.output


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path, needle):
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


@pytest.mark.parametrize(
    "old, new, anchor, words",
    [
        ("category: licence", "category: licens", "category:", "取值不在允许范围内"),
        ("short_name: 结建审批", "short_nam: 结建审批", "short_nam:", "未知字段"),
        ("  statutory_days: 20", "  statutory_days: 二十", "statutory_days", "整数"),
        ("related:\n  - shelter-offsite-approval", "related:\n  - no-such-item", "no-such-item", "不是已有事项"),
        ("id: shelter-build-approval", "id: shelter-build-approva1", "id: shelter", "与文件名"),
    ],
)
def test_field_mistakes_name_file_and_line(runner, knowledge_dir, old, new, anchor, words):
    path = knowledge_dir / "items" / "shelter-build-approval.yaml"
    _edit(path, old, new)
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1
    line = _line_of(path, anchor)
    expected = f"knowledge/items/shelter-build-approval.yaml:{line}:"
    assert any(ln.startswith(expected) and words in ln for ln in result.output.splitlines()), result.output


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("法定时限：{days}个工作日。", "法定时限：{day}个工作日。", "不认识的占位符 {day}（这里可用：{days}）"),
        ("本事项不收费。", "本事项不收费{days}。", "不认识的占位符 {days}（这里可用：无）"),
        ("网上：{text}", "网上：{text", "花括号 { } 不成对"),
    ],
)
def test_a_wrong_placeholder_in_the_guide_wording_names_its_line(runner, knowledge_dir, old, new, words):
    """The sentences built from an item's fields (messages.yaml `guide`) are checked like the rest,
    so a typo is a PATH:LINE problem, not a KeyError when the section is shown."""
    path = knowledge_dir / "messages.yaml"
    _edit(path, old, new)
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1
    expected = f"knowledge/messages.yaml:{_line_of(path, new)}: guide."
    assert any(ln.startswith(expected) and words in ln for ln in result.output.splitlines()), result.output


def test_yaml_syntax_error_names_its_line(runner, knowledge_dir):
    path = knowledge_dir / "items" / "siren-test.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "name: [未闭合的括号")
    path.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1
    assert "knowledge/items/siren-test.yaml:" in result.output
    assert "YAML 格式错误" in result.output


def test_missing_required_field_points_at_the_item(runner, knowledge_dir):
    path = knowledge_dir / "items" / "use-filing.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nsummary:", "\nsummery:", 1), encoding="utf-8")
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1
    assert "summary：缺少必填字段" in result.output
    assert "summery：未知字段" in result.output


def test_a_missing_required_item_is_reported(runner, knowledge_dir):
    (knowledge_dir / "items" / "penalties.yaml").unlink()
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1
    assert "缺少必备事项“penalties”" in result.output


def test_duplicate_key_and_bad_encoding(runner, knowledge_dir):
    path = knowledge_dir / "items" / "archive-handover.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nsummary: 重复\n", encoding="utf-8")
    (knowledge_dir / "items" / "penalties.yaml").write_bytes("name: 处罚".encode("gbk"))
    result = runner.invoke(["kb", "check", "--knowledge", str(knowledge_dir)])
    assert result.exit_code == 1
    assert "“summary”重复出现" in result.output
    assert "knowledge/items/penalties.yaml:1: 文件不是 UTF-8 编码" in result.output
