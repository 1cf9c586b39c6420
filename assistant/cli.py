"""The `assistant` command: a thin click layer over the same core the web app uses.

Our commands read the configuration the app reads (`settings.load()`: defaults, `ASSISTANT_*`
variables, each checked) without building the app: building it seeds demo cases into an empty
database, indexes the whole knowledge base and refuses to start when the knowledge is broken, which is
exactly when `kb check` is needed. Flask's own commands (`run`, `shell`, `routes`) still build it
through the FlaskGroup. The group's `invoke` is the one place an `AssistantError` becomes click's
`Error: …` with exit code 1.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup, FlaskGroup

from . import create_app, settings
from .chat import answer, check_message
from .errors import AssistantError, KnowledgeError
from .facts import counts_by_item, demand, unknown_facts
from .knowledge import Knowledge
from .knowledge import load as load_knowledge
from .settings import Thresholds, configured_today


class _Commands(AppGroup):
    """Our commands and subgroups run without an app context (see the module's docstring)."""

    def command(self, *args, **kwargs):
        kwargs.setdefault("with_appcontext", False)
        return super().command(*args, **kwargs)

    def group(self, *args, **kwargs):
        kwargs.setdefault("cls", _Commands)
        return super().group(*args, **kwargs)


class _Assistant(_Commands, FlaskGroup):
    def invoke(self, ctx: click.Context):
        """Run the command; an `AssistantError` from any of them (a bad setting included) is shown as
        `Error: message` with exit code 1, never as a traceback."""
        try:
            return super().invoke(ctx)
        except AssistantError as e:
            raise click.ClickException(e.message) from e


@click.group(cls=_Assistant, create_app=lambda: create_app(), add_default_commands=True)
def cli():
    """人防咨询助手：咨询问答、知识库维护、办件导入和提醒。"""


def _config() -> dict:
    """The configuration, read as the app reads it, once per invocation (`SettingError` if malformed)."""
    meta = click.get_current_context().meta
    if "assistant.config" not in meta:
        meta["assistant.config"] = settings.load()
    return meta["assistant.config"]


def _knowledge(folder: str | None = None) -> Knowledge:
    try:
        return load_knowledge(folder or _config()["KNOWLEDGE"])
    except KnowledgeError as e:
        problems = "\n".join(map(str, e.problems))
        raise AssistantError("知识库有错误，请先运行 assistant kb check：\n" + problems) from e


@cli.command()
@click.argument("question", required=False)
@click.option("--jsonl", is_flag=True, help="每行读入一个问题，每行输出一个 JSON 对象（互不关联）。")
def ask(question: str | None, jsonl: bool):
    """回答一个问题，输出网页用户会看到的回复。"""
    config = _config()
    knowledge, thresholds = _knowledge(), Thresholds.from_config(config)
    today = configured_today(config)
    if not jsonl:
        if question is None:
            raise click.UsageError("请给出问题，例如：assistant ask \"结建审批要多久？\"")
        reply, _ = answer(knowledge, check_message(question, thresholds.max_chars), thresholds, today=today)
        click.echo(reply.text)
        for s in reply.suggestions:
            click.echo(f"  · {s['title']}")
        return
    for line in sys.stdin:
        text = line.rstrip("\n")
        try:
            reply, _ = answer(knowledge, check_message(text, thresholds.max_chars), thresholds, today=today)
            out = {"question": text, "item_id": reply.item_id, "entry_id": reply.entry_id,
                   "score": reply.shown_score, "kind": reply.kind, "reply": reply.text}
        except AssistantError as e:
            out = {"question": text, "item_id": None, "entry_id": None, "score": 0, "kind": "decline", "reply": e.message}
        click.echo(json.dumps(out, ensure_ascii=False))


@cli.group()
def kb():
    """知识库：检查、自测、导出、版本和回滚。"""


@kb.command("check")
@click.option("--knowledge", "folder", type=click.Path(file_okay=False), help="知识库目录（默认 knowledge/）")
def kb_check(folder: str | None):
    """检查所有知识文件；有问题时逐条输出 文件:行号: 说明，退出码 1。"""
    try:
        knowledge = load_knowledge(folder or _config()["KNOWLEDGE"])
    except KnowledgeError as e:
        for problem in e.problems:
            click.echo(str(problem))
        sys.exit(1)
    click.echo(f"知识库正常：{len(knowledge.items)} 个事项，{len(knowledge.referrals)} 条转介，"
               f"{sum(len(i.questions) for i in knowledge.items.values())} 个示例问题。")
    unknown = counts_by_item(knowledge)
    if unknown:
        by_item = "，".join(f"{item_id} {n}" for item_id, n in unknown.items())
        click.echo(f"尚未掌握的事实：{sum(unknown.values())} 项（{by_item}）；清单见 assistant kb unknowns。")


@kb.command("test")
@click.option("--knowledge", "folder", type=click.Path(file_okay=False), help="知识库目录（默认 knowledge/）")
def kb_test(folder: str | None):
    """检查每个示例问题是否由它所在的事项回答，并列出示例相互冲突的事项。"""
    from .selftest import run_selftest

    report = run_selftest(_knowledge(folder), Thresholds.from_config(_config()))
    for miss in report.misses:
        click.echo(f"{miss.path}: “{miss.question}” 应由 {miss.expected} 回答，实际为 {miss.got or '未回答'}（{miss.kind}）")
    for (a, b), count in report.collisions.items():
        click.echo(f"冲突：{a} 与 {b} 有 {count} 个示例得分接近，建议补充区分性的关键词或示例")
    click.echo(f"{report.passed}/{report.total} 个示例问题由本事项回答；{len(report.collisions)} 对事项有冲突。")
    sys.exit(1 if report.misses else 0)


@kb.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="输出文件（xlsx 必填；json 默认输出到屏幕）")
def kb_export(fmt: str, output: str | None):
    """导出整个知识库：JSON（默认）或供审核用的 Excel 表格。"""
    from .export import items_as_dicts, write_xlsx

    knowledge = _knowledge()
    if fmt == "xlsx":
        if not output:
            raise click.UsageError("导出 xlsx 时请用 --output 指定文件名。")
        write_xlsx(knowledge, output)
        click.echo(f"已导出 {len(knowledge.items)} 个事项到 {output}", err=True)
        return
    text = json.dumps(items_as_dicts(knowledge), ensure_ascii=False, indent=2)
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        click.echo(text)


@kb.command("history")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 列表（含每个版本的差异）")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="最多列出几个版本")
def kb_history(as_json: bool, limit: int):
    """知识库的版本，最新的在前：版本号、时间、修改人（网页账号，或 file 表示直接改文件）、改了什么。"""
    from .audit import office_time
    from .knowledge_edit import sync
    from .knowledge_versions import history

    with _database() as db:
        sync(db, _config()["KNOWLEDGE"])  # a hand edit no server has noticed yet is a version too
        found = history(db, limit=limit)
    if as_json:
        click.echo(json.dumps([v.as_json() for v in found], ensure_ascii=False, indent=2))
        return
    for v in found:
        state = "" if v.good else "  （有错误，未启用）"
        files = "、".join(v.files) or "—"
        click.echo(f"{v.id}\t{office_time(v.at)}\t{v.who}\t{v.note}：{files}{state}")
    click.echo(f"共 {len(found)} 个版本。回滚：assistant kb rollback 版本号")


@kb.command("rollback")
@click.argument("version", type=int)
def kb_rollback(version: int):
    """把知识库恢复为某个版本的内容（作为一个新版本记录，可再次回滚）。"""
    from .knowledge_edit import rollback

    with _database() as db:
        saved = rollback(db, _config()["KNOWLEDGE"], version, "cli")
    if not saved.changed:
        click.echo(f"知识库现在的内容与版本 {version} 相同，无需回滚。")
        return
    click.echo(f"已恢复为版本 {version} 的内容，记为新版本 {saved.knowledge_version}；网站各进程将在 10 秒内使用它。")


@kb.command("unknowns")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 列表")
def kb_unknowns(as_json: bool):
    """办公室待补充的事实（电话、地址、承诺时限、收费标准……）：按群众问到的次数排列，附在此之前可以去哪里问。"""
    knowledge = _knowledge()
    with _database() as db:
        found = unknown_facts(knowledge, demand(db.conn))
    if as_json:
        click.echo(json.dumps([u.as_json() for u in found], ensure_ascii=False, indent=2))
        return
    for u in found:
        click.echo(f"{u.item_id}\t{u.fact_id}\t{u.label}\t问到 {u.asked} 次\t在此之前：{'；'.join(u.ask)}")
    click.echo(f"共 {len(found)} 项尚未掌握。在网页“知识库”编辑器里填上内容和出处即可（每行的事项、字段见上）。")


def _database():
    """A connection to the app's database (`DB`), created and migrated if new."""
    from .db import connection

    return connection(_config()["DB"])


@cli.group()
def cases():
    """办件：从审批系统导入。"""


@cases.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def cases_import(file: str):
    """导入办件（.jsonl 或 .csv）：全部正确才导入；有错时逐行报告 文件:行号: 说明，退出码 1。"""
    from .importer import ImportFailed, import_file

    knowledge = _knowledge()
    with open(file, "rb") as f:
        total = sum(1 for _ in f)

    def progress(lines: int) -> None:  # large files only: 100,000 rows take a few seconds
        click.echo(f"已检查 {lines}/{total} 行……", err=True)

    with _database() as db:
        try:
            result = import_file(db, knowledge, file, progress=progress if total > 20000 else None)
        except ImportFailed as e:
            for problem in e.problems:
                click.echo(problem, err=True)
            if e.more:
                click.echo(f"……另有 {e.more} 处错误未列出。", err=True)
            click.echo(e.message, err=True)
            sys.exit(1)
    click.echo(result.summary())
    if result.demo_removed:
        click.echo(f"已删除 {result.demo_removed} 条演示办件。")


@cli.command()
@click.option("--within", type=click.IntRange(min=0), default=3, show_default=True, help="几个工作日内到期")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 列表")
def reminders(within: int, as_json: bool):
    """列出 N 个工作日内到期（含已逾期）的办件，最早到期的在前，附可直接发送的提醒文字。"""
    from .reminders import due_within

    knowledge = _knowledge()
    with _database() as db:
        found = due_within(db, knowledge, within)
    if as_json:
        click.echo(json.dumps([r.as_json() for r in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f"{within} 个工作日内没有到期的办件。")
        return
    kinds = {"supplement": "补正截止", "completion": "预计办结"}
    for r in found:
        click.echo(f"{r.due}  {kinds[r.kind]}  {r.case_no}（{_left(r.working_days_left)}）")
        click.echo(f"    {r.text}")
    click.echo(f"共 {len(found)} 条提醒。")


def _left(days: int) -> str:
    if days > 0:
        return f"剩 {days} 个工作日"
    return "今天到期" if days == 0 else f"已逾期 {-days} 个工作日"


@cli.group()
def users():
    """工作人员账号：新建、列出、改密码、停用和恢复。"""


def _read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = click.prompt("密码（至少 10 个字符，输入时不显示）", hide_input=True, default="", show_default=False)
    second = click.prompt("再次输入密码", hide_input=True, default="", show_default=False)
    if first != second:
        raise click.ClickException("两次输入的密码不一致，账号没有创建。")
    return first


@users.command("add")
@click.argument("name")
@click.option("--role", help="staff（窗口人员）或 admin（管理员）")
@click.option("--password-stdin", is_flag=True, help="从标准输入的第一行读取密码（供脚本使用）")
def users_add(name: str, role: str | None, password_stdin: bool):
    """新建账号：assistant users add 张三 --role staff。密码在隐藏的提示中输入两次。"""
    from .accounts import ROLES, create_user, find_user

    if role is None:
        raise click.ClickException("请用 --role 指定角色：staff（窗口人员）或 admin（管理员）。")
    if role not in ROLES:
        raise click.ClickException(f"角色只能是 staff（窗口人员）或 admin（管理员），不能是“{role}”。")
    with _database() as db:
        if find_user(db, name) is not None:  # say so before asking for a password
            raise click.ClickException(f"用户名“{name.strip()}”已经存在，请换一个。")
        user = create_user(db, name, role, _read_password(password_stdin))
    click.echo(f"已创建{user.role_label}账号：{user.name}")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入的第一行读取新密码（供脚本使用）")
def users_passwd(name: str, password_stdin: bool):
    """为账号设置新密码（忘记密码时由管理员在服务器上重设），该账号已登录的会话随即失效。"""
    from .accounts import find_user, set_password

    with _database() as db:
        if find_user(db, name) is None:
            raise click.ClickException(f"没有名为“{name.strip()}”的账号。")
        user = set_password(db, name, _read_password(password_stdin))
    click.echo(f"已为 {user.name} 设置新密码，该账号此前的登录已全部失效。")


@users.command("disable")
@click.argument("name")
def users_disable(name: str):
    """停用账号（人员调离时）：立即退出登录，不能再登录；审计记录保留。"""
    _set_active(name, False)


@users.command("enable")
@click.argument("name")
def users_enable(name: str):
    """恢复被停用的账号。"""
    _set_active(name, True)


def _set_active(name: str, active: bool) -> None:
    from .accounts import set_active

    with _database() as db:
        user = set_active(db, name, active)
    click.echo(f"已恢复账号：{user.name}，请重新登录。" if active else f"已停用账号：{user.name}，该账号的登录已全部失效。")


@users.command("list")
def users_list():
    """列出所有账号：用户名、角色、创建时间。"""
    from .accounts import list_users
    from .audit import office_time

    with _database() as db:
        found = list_users(db)
    if not found:
        click.echo("还没有账号。新建管理员：assistant users add 用户名 --role admin")
        return
    for user in found:
        state = "" if user.active else "  （已停用）"
        click.echo(f"{user.name}\t{user.role}（{user.role_label}）\t{office_time(user.created_at)}{state}")


@cli.command()
@click.option("--since", metavar="DATE", help="只列出此日期（含，北京时间）以来的记录，如 2026-11-01")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 列表")
def audit(since: str | None, as_json: bool):
    """审计日志：谁在何时、从哪个地址搜索、查看了哪个办件或显示了完整电话。"""
    from datetime import date

    from .audit import entries, start_of_day

    try:
        start = start_of_day(date.fromisoformat(since.strip())) if since else None
    except ValueError as e:
        raise click.ClickException(f"日期格式不正确：{since}。请写成 2026-11-01 这样的格式。") from e
    with _database() as db:
        found = entries(db, since=start)
    if as_json:
        click.echo(json.dumps([e.as_json() for e in found], ensure_ascii=False, indent=2))
        return
    for e in found:
        parts = [e.local_time, e.user, e.action_label, e.case_no or "-", e.client or "-"]
        click.echo("  ".join(parts) + (f"  {e.detail}" if e.detail else ""))
    click.echo(f"共 {len(found)} 条记录。")


@cli.command("backup")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--keep", type=click.IntRange(min=1), default=14, show_default=True, help="保留最近几份备份")
def backup_command(folder: str, keep: int):
    """在线备份数据库到 FOLDER（网站照常运行），检查完整性，只保留最近 --keep 份。"""
    from .backup import backup

    done = backup(_config()["DB"], folder, keep=keep)
    click.echo(f"已备份到 {done.path}（{done.size // 1024} KB，办件 {done.cases} 条，提问记录 {done.questions} 条），完整性检查通过。")
    for old in done.removed:
        click.echo(f"已删除旧备份 {old.name}")
