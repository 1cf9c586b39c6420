"""Every knob of the assistant, declared once.

A setting has a name, a default and a line of help. `create_app` starts from these defaults, then
applies `ASSISTANT_<NAME>` environment variables, then the test overrides. `tests/test_docs.py`
fails when a setting is missing from the README, so the list there never goes stale.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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
    Setting("LOOKUP_FAILURES_PER_CASE", 5, "同一办件编号在 15 分钟内允许的查询失败次数"),
    Setting("LOOKUP_FAILURES_PER_CLIENT", 20, "同一客户端（IP）在 15 分钟内允许的查询失败次数"),
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


def _coerce(value: str, default: object) -> object:
    """Turn an environment string into the type of the setting's default."""
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
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


def from_environment(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Defaults overridden by `ASSISTANT_<NAME>` variables; raises ValueError on a malformed number."""
    environ = os.environ if environ is None else environ
    config: dict[str, object] = {}
    for setting in SETTINGS:
        raw = environ.get(f"ASSISTANT_{setting.name}")
        config[setting.name] = setting.default if raw is None else _coerce(raw, setting.default)
    return config
