"""Every knob of the assistant, declared once, with its default: nowhere else writes a default down.

A setting has a name, a default and a line of help. `load()` builds the configuration the app and
the CLI both use: these defaults, then `ASSISTANT_<NAME>` environment variables, then the given
overrides (tests), each checked against the type of its default, so a bad value stops the start with
a message naming the variable (`SettingError`). The objects built from several settings
(`Thresholds`, `LookupLimits`) are built here too, from a configuration, in one place.
`tests/test_docs.py` fails when a setting is missing from the README, so the list there never goes
stale.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .errors import SettingError

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = (
    Setting("DB", "instance/assistant.db", "SQLite 数据库路径（办件、会话、审计日志）"),
    Setting("KNOWLEDGE", str(ROOT / "knowledge"), "知识库目录"),
    Setting("SECRET_KEY", None, "Flask 密钥；未设置时生成一次写入 instance/secret_key，所有进程共用"),
    Setting("SECURE_COOKIES", False, "为 True 时会话 Cookie 带 Secure 标记（HTTPS 部署时开启）"),
    Setting("BEHIND_PROXY", False, "为 True 时信任一层反向代理的 X-Forwarded-For"),
    Setting("MAX_MESSAGE_CHARS", 1000, "单条提问的最大字数，超过返回 400"),
    Setting("MAX_BODY_BYTES", 65536, "请求体上限（字节），超过返回 413"),
    Setting("KNOWLEDGE_RELOAD_SECONDS", 3, "每个进程检查知识库文件是否被修改的间隔（秒）"),
    Setting("ANSWER_THRESHOLD", 40, "匹配得分不低于此值才直接回答（0–100）"),
    Setting("DECLINE_THRESHOLD", 25, "匹配得分低于此值时婉拒并给出咨询渠道（0–100）"),
    Setting("CLARIFY_MARGIN", 4, "第一、二名得分相差小于此值时请用户在两者间选择"),
    Setting("LOOKUP_FAILURES_PER_CASE", 5, "同一办件编号在 LOCKOUT_MINUTES 分钟内允许的查询失败次数"),
    Setting("LOOKUP_FAILURES_PER_CLIENT", 20, "同一客户端（IP）在 LOCKOUT_MINUTES 分钟内允许的查询失败次数"),
    Setting(
        "LOCKOUT_MINUTES",
        15,
        "查询办件和登录失败次数的计算时段（分钟）：失败过多后暂停，最多等这么久即可再试",
    ),
    Setting("MIN_FREE_MB", 100, "数据库所在磁盘的剩余空间低于此值（MB）时 /healthz 报告异常（503）"),
    Setting("CHAT_PER_MINUTE", 30, "同一客户端（IP）每分钟最多提问次数（每个工作进程分别计数），超过返回 429"),
    Setting("TODAY", "", "固定“今天”的日期（YYYY-MM-DD），用于演示和测试；为空时取上海时间的今天"),
    Setting("DEMO_DATA", True, "首次启动时是否写入演示办件（make run 使用）"),
    Setting(
        "EMBED_ORIGINS",
        "",
        "允许嵌入聊天页面的网站来源，空格分隔（如 https://www.example.gov.cn）；为空时任何网站都不能嵌入",
    ),
)


_BY_NAME = {setting.name: setting for setting in SETTINGS}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def default(name: str) -> object:
    """The default of the setting `name` (KeyError for a name that is not a setting)."""
    return _BY_NAME[name].default


def _expected(default: object) -> str:
    if isinstance(default, bool):
        return " 1 或 0（也可写 true / false、yes / no、on / off）"
    if isinstance(default, int):
        return "整数"
    if isinstance(default, float):
        return "数字"
    return "文字"


def _coerce(raw: str, setting: Setting, source: str) -> object:
    """An environment string as the type of the setting's default; `SettingError` naming `source` if it is not."""
    value = raw.strip()
    try:
        if isinstance(setting.default, bool):
            if value.lower() in _TRUE:
                return True
            if value.lower() in _FALSE:
                return False
            raise ValueError(value)
        if isinstance(setting.default, int):
            return int(value)
        if isinstance(setting.default, float):
            return float(value)
    except ValueError:
        raise SettingError(source, raw, _expected(setting.default), setting.default) from None
    return raw


def _check(value: object, setting: Setting) -> object:
    """An override given as a value (tests, `create_app(config)`): strings are read as the environment's,
    anything else must already have the default's type (an int where a float is expected will do)."""
    if isinstance(value, str) and not isinstance(setting.default, str) and setting.default is not None:
        return _coerce(value, setting, setting.name)
    if setting.default is None or value is None and isinstance(setting.default, str):
        return value
    kind = type(setting.default)
    ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise SettingError(setting.name, value, _expected(setting.default), setting.default)
    return value


def configured_today(config: dict) -> date | None:
    """The fixed `TODAY` of a configuration, or None for the real today; ValueError when malformed."""
    value = config.get("TODAY") or ""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"TODAY 应为 YYYY-MM-DD 格式的日期，而不是“{value}”") from None


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Defaults overridden by `ASSISTANT_<NAME>` variables, each converted to its default's type;
    `SettingError` (a ValueError) naming the variable when one cannot be."""
    environ = os.environ if environ is None else environ
    config: dict[str, object] = {}
    for setting in SETTINGS:
        name = f"ASSISTANT_{setting.name}"
        raw = environ.get(name)
        config[setting.name] = setting.default if raw is None else _coerce(raw, setting, name)
    return config


def load(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """The configuration the app and the CLI run with: defaults → environment → `overrides`.

    Overrides that are settings are checked like the environment's; other keys (Flask's own, such as
    TESTING) pass through. A relative `DB` is taken from the repository root. Raises `SettingError`
    for a value of the wrong type or a malformed `TODAY`, naming the variable and what was expected.
    """
    config = from_environment(environ)
    for key, value in (overrides or {}).items():
        config[key] = _check(value, _BY_NAME[key]) if key in _BY_NAME else value
    db_path = Path(str(config["DB"]))
    config["DB"] = str(db_path if db_path.is_absolute() else ROOT / db_path)
    try:
        configured_today(config)
    except ValueError:
        from_env = overrides is None or "TODAY" not in overrides
        name = "ASSISTANT_TODAY" if from_env else "TODAY"
        raise SettingError(name, config["TODAY"], " YYYY-MM-DD 格式的日期（如 2026-03-05），或不设置", "") from None
    return config


@dataclass(frozen=True)
class Thresholds:
    """When the matcher answers, asks the person to choose, or declines; and the longest question taken."""

    answer: float = default("ANSWER_THRESHOLD")
    decline: float = default("DECLINE_THRESHOLD")
    clarify_margin: float = default("CLARIFY_MARGIN")
    max_chars: int = default("MAX_MESSAGE_CHARS")

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Thresholds:
        return cls(
            answer=config["ANSWER_THRESHOLD"],
            decline=config["DECLINE_THRESHOLD"],
            clarify_margin=config["CLARIFY_MARGIN"],
            max_chars=config["MAX_MESSAGE_CHARS"],
        )


@dataclass(frozen=True)
class LookupLimits:
    """How many failed case look-ups a case number, or a client, may have within `window`."""

    failures_per_case: int = default("LOOKUP_FAILURES_PER_CASE")
    failures_per_client: int = default("LOOKUP_FAILURES_PER_CLIENT")
    window: timedelta = timedelta(minutes=default("LOCKOUT_MINUTES"))

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> LookupLimits:
        return cls(
            failures_per_case=config["LOOKUP_FAILURES_PER_CASE"],
            failures_per_client=config["LOOKUP_FAILURES_PER_CLIENT"],
            window=timedelta(minutes=config["LOCKOUT_MINUTES"]),
        )
