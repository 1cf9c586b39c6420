"""Settings: one home for every default, each override checked against its default's type."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

from assistant import create_app
from assistant.errors import SettingError
from assistant.matcher import match
from assistant.settings import SETTINGS, LookupLimits, Thresholds, default, from_environment, load


def test_the_objects_built_from_settings_take_their_defaults_from_settings():
    assert Thresholds() == Thresholds.from_config(from_environment({}))
    assert Thresholds().answer == default("ANSWER_THRESHOLD") and Thresholds().max_chars == default("MAX_MESSAGE_CHARS")
    assert LookupLimits() == LookupLimits.from_config(from_environment({}))
    assert LookupLimits().window == timedelta(minutes=default("LOCKOUT_MINUTES"))
    signature = inspect.signature(match).parameters
    assert signature["answer_threshold"].default == default("ANSWER_THRESHOLD")
    assert signature["decline_threshold"].default == default("DECLINE_THRESHOLD")
    assert signature["clarify_margin"].default == default("CLARIFY_MARGIN")


@pytest.mark.parametrize(
    "name, raw, value",
    [
        ("ANSWER_THRESHOLD", " 37 ", 37),
        ("SECURE_COOKIES", "1", True),
        ("SECURE_COOKIES", "TRUE", True),
        ("SECURE_COOKIES", "off", False),
        ("DEMO_DATA", "0", False),
        ("EMBED_ORIGINS", "https://www.example.gov.cn", "https://www.example.gov.cn"),
    ],
)
def test_environment_values_become_the_type_of_the_default(name, raw, value):
    assert from_environment({f"ASSISTANT_{name}": raw})[name] == value


@pytest.mark.parametrize(
    "name, raw, expected",
    [
        ("ANSWER_THRESHOLD", "abc", "整数"),
        ("LOOKUP_FAILURES_PER_CASE", "5.5", "整数"),
        ("SECURE_COOKIES", "maybe", "1 或 0"),
        ("TODAY", "2026-13-01", "YYYY-MM-DD"),
    ],
)
def test_a_bad_environment_value_names_the_variable_and_what_was_expected(name, raw, expected):
    with pytest.raises(SettingError) as raised:
        load(environ={f"ASSISTANT_{name}": raw})
    message = str(raised.value)
    assert f"ASSISTANT_{name}" in message and raw in message and expected in message


@pytest.mark.parametrize("name, value", [("ANSWER_THRESHOLD", "abc"), ("DEMO_DATA", 1), ("MIN_FREE_MB", 1.5)])
def test_an_override_of_the_wrong_type_is_refused_too(name, value):
    with pytest.raises(SettingError, match=name):
        load({name: value}, environ={})


def test_every_setting_has_a_typed_default_and_help():
    for setting in SETTINGS:
        assert setting.help.strip()
        assert setting.default is None or isinstance(setting.default, bool | int | float | str), setting.name


def test_a_bad_setting_stops_the_app_with_the_message(monkeypatch, db_path, knowledge_dir):
    monkeypatch.setenv("ASSISTANT_ANSWER_THRESHOLD", "abc")
    with pytest.raises(SettingError, match="ASSISTANT_ANSWER_THRESHOLD"):
        create_app({"DB": str(db_path), "KNOWLEDGE": str(knowledge_dir), "DEMO_DATA": False})


@pytest.mark.parametrize("args", [["ask", "结建审批要多久"], ["users", "list"], ["kb", "history"]])
def test_a_bad_setting_stops_the_cli_with_the_message_not_a_traceback(runner, args):
    result = runner.invoke(args, env={"ASSISTANT_ANSWER_THRESHOLD": "abc"})
    assert result.exit_code == 1
    assert "Error: 设置 ASSISTANT_ANSWER_THRESHOLD 的值“abc”无法使用：应为整数" in result.output
    assert "Traceback" not in result.output


def test_the_cli_reads_the_limits_the_app_reads(runner):
    """The longest question taken, set for the site, holds for `assistant ask` too."""
    assert runner.invoke(["ask", "结建审批要多久？"]).exit_code == 0
    refused = runner.invoke(["ask", "结建审批要多久？"], env={"ASSISTANT_MAX_MESSAGE_CHARS": "5"})
    assert refused.exit_code == 1 and "Error: 问题太长了" in refused.output and "5字以内" in refused.output
