"""The administrators' pages: the dashboard (questions, charts, what to fix next, feedback, phone
enquiries and callbacks, knowledge warnings, cases, the latest audit entries), the list of what to fix
next with each question's conversations, user management, the whole audit log, and the knowledge
editor (items, versions, rollback) with its JSON API."""

from __future__ import annotations

import io
import re
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from .. import (
    accounts,
    analytics,
    audit,
    charts,
    csrf,
    enquiries,
    export,
    facts,
    feedback,
    fixes,
    gaps,
    knowledge_edit,
    knowledge_service,
    knowledge_versions,
    selftest,
)
from ..auth import role_required
from ..errors import AssistantError, BadRequest
from ..knowledge import REQUIRED_IDS
from ..web_db import get_db
from ..workdays import OFFICE_TZ
from .api import client_address

bp = Blueprint("admin", __name__, url_prefix="/admin")
csrf.protect(bp)
bp.add_app_template_filter(audit.office_time, "office_time")

GAPS_SHOWN = 10  # on the dashboard; /admin/fix lists up to FIX_SHOWN
FIX_SHOWN = 100
FIX_EXPORTED = 1000
AUDIT_SHOWN = 50
AUDIT_PER_PAGE = 50
DAYS = 30
UNKNOWN_WEEKS = 12  # the weekly count of answers given with an unknown fact


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _actor() -> audit.Actor:
    return audit.Actor(current_user.name, client_address())


@bp.get("")
@role_required("admin")
def dashboard():
    db = get_db()
    store = knowledge_service.store()
    knowledge = store.get()  # picks up a knowledge edit made since the last request, so its warnings are current
    per_day = analytics.questions_per_day(db, DAYS)
    shares = analytics.shares(db, DAYS)
    top = analytics.top_items(db, knowledge, DAYS)
    votes = feedback.per_item(db, knowledge, DAYS)
    phone = enquiries.counts(db, DAYS)
    callbacks = analytics.callbacks_by_status(db, DAYS)
    unknowns = facts.unknown_facts(knowledge, facts.demand(db.conn))
    weeks = facts.weekly(db.conn, UNKNOWN_WEEKS)
    Bar = charts.Bar
    drawn = {
        "days": charts.columns(
            "chart-days", "近 30 天每天的提问数", [(f"{d:%m-%d}", n) for d, n in per_day], unit="个问题"
        ),
        "kinds": charts.bars(
            "chart-kinds", "近 30 天的回答情况", [Bar(s.label, s.count, f"{s.count}（{s.percent:.1f}%）") for s in shares]
        ),
        "top": charts.bars("chart-top", "近 30 天回答最多的事项", [Bar(t.label, t.count, str(t.count)) for t in top]),
        "feedback": charts.bars(
            "chart-feedback",
            "各事项回答的有帮助比例",
            [Bar(v.name, v.percent, f"{v.percent:.0f}%（{v.helpful}/{v.total}）") for v in votes],
            maximum=100,
        ),
        "phone": charts.bars("chart-phone", "近 30 天窗口记录的电话咨询", [Bar(p.label, p.count, str(p.count)) for p in phone]),
        "callbacks": charts.bars(
            "chart-callbacks", "近 30 天的留言（回电请求）", [Bar(c.label, c.count, str(c.count)) for c in callbacks]
        ),
        "unknown": charts.bars(
            "chart-unknown",
            "每周用“暂未收录”回答的问题",
            [Bar(f"{w['week'][5:]} 起", w["with_unknown"], f"{w['with_unknown']}（共回答 {w['answered']}）") for w in weeks],
        ),
    }
    return render_template(
        "admin/dashboard.html",
        last_7=analytics.questions_since(db, 7),
        last_30=analytics.questions_since(db, DAYS),
        per_day=per_day,
        shares=shares,
        top=top,
        votes=votes,
        vote_totals=feedback.totals(db, DAYS),
        phone=phone,
        callbacks=callbacks,
        charts=drawn,
        open_callbacks=analytics.open_callbacks(db),
        gaps=gaps.fix_next(db, knowledge, DAYS, GAPS_SHOWN, knowledge_service.thresholds()),
        unknown_groups=facts.by_item(unknowns),
        unknown_total=len(unknowns),
        weeks=weeks,
        warnings=store.warnings,
        statuses=analytics.cases_by_status(db),
        entries=audit.entries(db, limit=AUDIT_SHOWN, newest_first=True),
    )


@bp.get("/")
def dashboard_with_slash():
    return redirect(url_for(".dashboard"))


# ---------------------------------------------------------------- what to fix next


@bp.get("/fix")
@role_required("admin")
def fix_list():
    """Every grouped question to fix (up to FIX_SHOWN), optionally only those the assistant still
    does not answer well today."""
    knowledge = knowledge_service.current()
    only_open = request.args.get("open") == "1"
    rows = gaps.fix_next(get_db(), knowledge, DAYS, FIX_SHOWN, knowledge_service.thresholds())
    shown = [r for r in rows if not (only_open and r.now and r.now.resolved)]
    return render_template("admin/fix.html", rows=shown, listed=len(rows), only_open=only_open, limit=FIX_SHOWN)


@bp.get("/fix.xlsx")
@role_required("admin")
def fix_export():
    """The list as a spreadsheet (formula-safe), for the office's meetings."""
    knowledge = knowledge_service.current()
    rows = gaps.fix_next(get_db(), knowledge, DAYS, FIX_EXPORTED, knowledge_service.thresholds())
    buffer = io.BytesIO()
    export.write_gaps_xlsx(knowledge, rows, buffer)
    buffer.seek(0)
    name = f"待改进的问题-{datetime.now(OFFICE_TZ):%Y%m%d}.xlsx"
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=name,
    )


def _fix_row_or_404(key: str) -> gaps.FixRow:
    row = gaps.fix_row(get_db(), knowledge_service.current(), key, DAYS, knowledge_service.thresholds())
    if row is None:
        raise AssistantError("这条问题已不在近 30 天的待改进清单中（可能已过 30 天，或问法有了变化）。请返回清单重新选择。", 404)
    return row


def _fix_page(row: gaps.FixRow, error: str | None = None, status: int = 200, form: dict | None = None):
    """The row's page; after a refused fix, with the reason and the fields as typed."""
    knowledge = knowledge_service.current()
    item_id, entry_id = gaps.suggestion(knowledge, row)
    return (
        render_template(
            "admin/fix_row.html",
            row=row,
            conversations=gaps.conversations(get_db(), knowledge, row),
            items=list(knowledge.items.values()),
            suggested_item=item_id,
            suggested_entry=entry_id,
            answered=[gaps.answered_label(knowledge, i, e) for i, e in row.answered_with],
            reasons=gaps.REASONS,
            error=error,
            form=form or {},
            placeholder=fixes.REFERRAL_PLACEHOLDER,
        ),
        status,
    )


@bp.get("/fix/<key>")
@role_required("admin")
def fix_detail(key: str):
    """One grouped question: its wordings, its conversations (masked, in order), and the three fixes."""
    return _fix_page(_fix_row_or_404(key))


def _fixed(row: gaps.FixRow, message: str):
    """After a fix: this worker serves the new knowledge at once (the others within seconds), and the
    row's page shows what the assistant answers now."""
    knowledge_service.store().refresh()
    flash(message)
    return redirect(url_for(".fix_detail", key=row.key))


def _refused(row: gaps.FixRow, error: AssistantError, form: dict):
    errors = getattr(error, "errors", None)
    message = "；".join(e["message"] for e in errors) if errors else error.message
    return _fix_page(row, message, error.status, form)


@bp.post("/fix/<key>/variant")
@role_required("admin")
def fix_variant(key: str):
    """One click: the question becomes a wording of an entry (`item/entry`) or of an item as a whole (`item/`)."""
    row = _fix_row_or_404(key)
    form = request.form.to_dict()
    item_id, _, entry_id = form.get("target", "").partition("/")
    text = form.get("text", "").strip() or row.question
    try:
        if not item_id:
            raise BadRequest("请选择要加入的问题条目或事项。")
        if entry_id:
            saved = knowledge_edit.add_variant(get_db(), _folder(), item_id, entry_id, text, current_user.name)
        else:
            saved = fixes.add_question(get_db(), _folder(), item_id, text, current_user.name)
    except AssistantError as e:
        return _refused(row, e, form)
    knowledge = knowledge_service.current()
    where = gaps.answered_label(knowledge, item_id, entry_id or None)
    if not saved.changed:
        return _fixed(row, f"“{text}”已经是“{where}”的问法，没有改动。")
    return _fixed(row, f"已把“{text}”加为“{where}”的问法（知识库版本 {saved.knowledge_version}）。")


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


@bp.post("/fix/<key>/entry")
@role_required("admin")
def fix_entry(key: str):
    """The question becomes a new entry of an item: its id, question, other wordings, answer, sources."""
    row = _fix_row_or_404(key)
    form = request.form.to_dict()
    item_id = form.get("item_id", "")
    entry = {
        "id": form.get("entry_id", "").strip(),
        "question": form.get("question", "").strip(),
        "variants": _lines(form.get("variants")),
        "keywords": [w for w in re.split(r"[,，、;；\s]+", form.get("keywords", "")) if w],
        "answer": form.get("answer", "").strip().replace("\r\n", "\n"),
        "sources": _lines(form.get("sources")),
    }
    entry = {k: v for k, v in entry.items() if v or k in ("id", "question", "answer", "sources")}
    try:
        if not item_id:
            raise BadRequest("请选择新问题条目所属的事项。")
        saved = knowledge_edit.add_entry(get_db(), _folder(), item_id, entry, current_user.name)
    except AssistantError as e:
        return _refused(row, e, form)
    name = gaps.answered_label(knowledge_service.current(), item_id, None)
    return _fixed(row, f"已在“{name}”中新建问题条目“{entry['question']}”（知识库版本 {saved.knowledge_version}）。")


@bp.post("/fix/<key>/referral")
@role_required("admin")
def fix_referral(key: str):
    """The question is another department's business: a referral appended to knowledge/referrals.yaml."""
    row = _fix_row_or_404(key)
    form = request.form.to_dict()
    try:
        draft = fixes.check_referral(form.get("topic"), form.get("keywords"), form.get("reply"))
        version = fixes.add_referral(
            get_db(), _folder(), draft, current_user.name, row.question, knowledge_service.thresholds()
        )
    except AssistantError as e:
        return _refused(row, e, form)
    return _fixed(row, f"已把“{draft.topic}”加为其他部门的业务（转介），知识库版本 {version}。")


# ---------------------------------------------------------------- user management


def _users_page(error: str | None = None, status: int = 200, form: dict | None = None):
    return (
        render_template(
            "admin/users.html",
            users=accounts.list_users(get_db()),
            roles=accounts.ROLES,
            min_password=accounts.MIN_PASSWORD_CHARS,
            error=error,
            form=form or {},
        ),
        status,
    )


@bp.get("/users")
@role_required("admin")
def users():
    """Every account: role, since when, active or not; forms to add, disable, enable, reset a password."""
    return _users_page()


@bp.post("/users")
@role_required("admin")
def user_add():
    """A new account under the same rules as `assistant users add` (password typed twice); audited."""
    name, role = request.form.get("name", ""), request.form.get("role", "")
    password = request.form.get("password", "")
    form = {"name": name, "role": role}
    if password != request.form.get("password2", ""):
        return _users_page("两次输入的密码不一致，账号没有创建。", 400, form)
    db = get_db()
    try:
        user = accounts.create_user(db, name, role, password)
    except AssistantError as e:
        return _users_page(e.message, e.status, form)
    audit.record(db, _actor(), "user_add", detail=f"{user.name}（{user.role_label}）")
    flash(f"已创建{user.role_label}账号：{user.name}。请把密码当面或电话告知本人。")
    return redirect(url_for(".users"))


def _user_or_404(user_id: int) -> accounts.User:
    user = accounts.get_user(get_db(), user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/users/<int:user_id>/disable")
@role_required("admin")
def user_disable(user_id: int):
    """Stop an account: it is logged out everywhere at once and cannot log in; audited."""
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        return _users_page("不能停用自己正在使用的账号。如需停用，请由另一位管理员操作。", 400)
    db = get_db()
    accounts.set_active(db, user.name, False)
    audit.record(db, _actor(), "user_disable", detail=f"{user.name}（{user.role_label}）")
    flash(f"已停用账号：{user.name}，该账号的登录已全部失效。")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/enable")
@role_required("admin")
def user_enable(user_id: int):
    """Restore a stopped account (it logs in afresh); audited."""
    user = _user_or_404(user_id)
    db = get_db()
    accounts.set_active(db, user.name, True)
    audit.record(db, _actor(), "user_enable", detail=f"{user.name}（{user.role_label}）")
    flash(f"已恢复账号：{user.name}，请本人重新登录。")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def user_password(user_id: int):
    """A new password for a forgotten one (typed twice, same rules as `assistant users passwd`): every
    session of the account ends, the administrator's own included when it is their own; audited."""
    user = _user_or_404(user_id)
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        return _users_page(f"两次输入的密码不一致，{user.name} 的密码没有修改。", 400)
    db = get_db()
    try:
        accounts.set_password(db, user.name, password)
    except AssistantError as e:
        return _users_page(e.message, e.status)
    audit.record(db, _actor(), "user_password", detail=f"{user.name}（{user.role_label}）")
    flash(f"已为 {user.name} 设置新密码，该账号此前的登录已全部失效。")
    return redirect(url_for(".users"))


# ---------------------------------------------------------------- the audit log


@bp.get("/audit")
@role_required("admin")
def audit_log():
    """The whole audit log, newest first, page by page, narrowed by user, action, case number and dates."""
    db = get_db()
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    error, status = None, 200
    try:
        filters = audit.audit_filter(request.args)
    except AssistantError as e:
        error, status, filters = e.message, e.status, audit.AuditFilter()
    found = audit.audit_page(db, filters, page, AUDIT_PER_PAGE) if error is None else audit.AuditPage([], 0, 1, 1)
    return (
        render_template(
            "admin/audit.html",
            found=found,
            filters=filters,
            args=request.args,
            error=error,
            users=audit.audit_users(db),
            actions=audit.ACTIONS,
        ),
        status,
    )


# ---------------------------------------------------------------- the knowledge editor
# Pages: /admin/knowledge (the items), /admin/knowledge/items/<id> (the editor, static/editor.js),
# /admin/knowledge/new, /admin/knowledge/history (versions, rollback). The page's script uses the JSON
# API below (/admin/api/...); every write is checked as `assistant kb check` checks, writes nothing on
# error, refuses a stale version (409), and is recorded as a knowledge version (knowledge_edit).

HISTORY_SHOWN = 100


@bp.errorhandler(knowledge_edit.InvalidItem)
def _invalid_item(error: knowledge_edit.InvalidItem):
    return jsonify({"error": error.message, "errors": error.errors}), 422


@bp.errorhandler(knowledge_edit.StaleVersion)
def _stale_version(error: knowledge_edit.StaleVersion):
    return jsonify({"error": error.message, "version": error.current}), 409


def _folder() -> str:
    return current_app.config["KNOWLEDGE"]


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("请求体应当是 JSON 对象。")
    return body


def _if_match() -> str | None:
    """The version the edit started from (`If-Match: <version>`; quotes and W/ are forgiven)."""
    value = request.headers.get("If-Match", "").strip()
    return value.removeprefix("W/").strip('"') or None


def _after_write() -> None:
    """This worker serves the new version at once; the others notice the file within seconds."""
    knowledge_service.refresh()


@bp.get("/knowledge")
@role_required("admin")
def knowledge_list():
    """Every item, with a search over ids and names, and who last changed it, when."""
    query = request.args.get("q", "").strip()[:100]
    items = knowledge_edit.list_items(_folder())
    if query:
        needle = query.lower()
        items = [i for i in items if any(needle in t.lower() for t in (i["id"], i["name"], i["short_name"], *i["aliases"]))]
    edits = knowledge_versions.last_edits(get_db())
    store = knowledge_service.store()
    store.get()
    return render_template(
        "admin/knowledge.html", items=items, query=query, edits=edits, warnings=store.warnings, version=store.version
    )


@bp.get("/knowledge/items/<item_id>")
@role_required("admin")
def knowledge_item(item_id: str):
    """The editor of one item; the form itself is drawn by static/editor.js from the JSON API."""
    found = knowledge_edit.read_item(_folder(), item_id)
    return render_template("admin/knowledge_edit.html", item_id=found.id, name=found.item.get("name") or found.id,
                           required=found.id in REQUIRED_IDS)


@bp.get("/knowledge/new")
@role_required("admin")
def knowledge_new():
    return render_template("admin/knowledge_edit.html", item_id=None, name=None, required=False)


@bp.get("/knowledge/history")
@role_required("admin")
def knowledge_history():
    """Every knowledge version, newest first, with its diff and a rollback button."""
    path = request.args.get("path") or None
    found = knowledge_versions.history(get_db(), limit=HISTORY_SHOWN, path=path)
    store = knowledge_service.store()
    store.get()
    return render_template("admin/knowledge_history.html", versions=found, path=path, served=store.version,
                           limit=HISTORY_SHOWN)


@bp.post("/knowledge/history/<int:version>/rollback")
@role_required("admin")
def knowledge_rollback(version: int):
    """Restore an earlier version (recorded as a new version, so it can be undone the same way)."""
    try:
        saved = knowledge_edit.rollback(get_db(), _folder(), version, current_user.name)
    except AssistantError as e:
        flash(e.message)
        return redirect(url_for(".knowledge_history"))
    _after_write()
    if saved.changed:
        flash(f"已恢复为版本 {version} 的内容，记为新版本 {saved.knowledge_version}。网站各进程将在 10 秒内使用它。")
    else:
        flash(f"知识库现在的内容与版本 {version} 相同，无需回滚。")
    return redirect(url_for(".knowledge_history"))


@bp.get("/api/items")
@role_required("admin")
def items_api():
    """The items served now with their entries: `{"items": [{"id", "name", "short_name", "entries": [{"id", "question"}]}]}`."""
    knowledge = knowledge_service.current()
    return jsonify({"items": [
        {"id": i.id, "name": i.name, "short_name": i.short_name,
         "entries": [{"id": e.id, "question": e.question} for e in i.entries]}
        for i in knowledge.items.values()
    ]})


@bp.get("/api/items/<item_id>")
@role_required("admin")
def item_api(item_id: str):
    """`{"item", "version"}`, plus the file's text, its problems, and the item as the public sees it now."""
    found = knowledge_edit.read_item(_folder(), item_id)
    edits = knowledge_versions.last_edits(get_db())
    at, who = edits.get(found.path, (None, None))
    body = found.as_json()
    body.update(
        preview=knowledge_edit.preview(knowledge_service.current(), item_id, knowledge_service.today()),
        required=item_id in REQUIRED_IDS,
        last_edit={"at": at, "who": who} if at else None,
    )
    return jsonify(body)


@bp.put("/api/items/<item_id>")
@role_required("admin")
def item_save(item_id: str):
    """Save `{"item": {...}}` (or the raw file as `{"text": "..."}`) if the file is still at `If-Match`."""
    body = _json_body()
    db, folder, who = get_db(), _folder(), current_user.name
    if "text" in body and "item" not in body:
        saved = knowledge_edit.save_text(db, folder, item_id, body["text"], _if_match(), who)
    else:
        saved = knowledge_edit.save_item(db, folder, item_id, body.get("item"), _if_match(), who)
    _after_write()
    return jsonify({"version": saved.version, "knowledge_version": saved.knowledge_version, "changed": saved.changed})


@bp.post("/api/items")
@role_required("admin")
def item_create():
    item = _json_body().get("item")
    saved = knowledge_edit.create_item(get_db(), _folder(), item, current_user.name)
    _after_write()
    item_id = item["id"]
    return jsonify({"id": item_id, "version": saved.version, "knowledge_version": saved.knowledge_version,
                    "url": url_for(".knowledge_item", item_id=item_id)}), 201


@bp.delete("/api/items/<item_id>")
@role_required("admin")
def item_delete(item_id: str):
    """Delete a (not required) item; with `If-Match`, only if the file is still at that version."""
    saved = knowledge_edit.delete_item(get_db(), _folder(), item_id, current_user.name, _if_match())
    _after_write()
    return jsonify({"deleted": item_id, "knowledge_version": saved.knowledge_version})


@bp.post("/api/try")
@role_required("admin")
def item_try():
    """Answer `question` with the unsaved `item` in place (`item_id`: the item it replaces, none for a new
    one) and run `kb test` for it: decision, score, entry, runners-up, reply text. Nothing is written."""
    body = _json_body()
    store = knowledge_service.store()
    store.get()
    item_id = body.get("item_id") or None
    result = selftest.try_draft(_folder(), store.files, item_id, body.get("item"), body.get("question"),
                                      knowledge_service.thresholds(), knowledge_service.today())
    return jsonify(result)


@bp.get("/api/versions")
@role_required("admin")
def versions_api():
    """Knowledge versions, newest first (as `assistant kb history --json`), and the one served."""
    found = knowledge_versions.history(get_db(), limit=HISTORY_SHOWN, path=request.args.get("path") or None)
    return jsonify({"versions": [v.as_json() for v in found], "served": knowledge_service.store().version})


@bp.post("/api/versions/<int:version>/rollback")
@role_required("admin")
def version_rollback(version: int):
    saved = knowledge_edit.rollback(get_db(), _folder(), version, current_user.name)
    _after_write()
    return jsonify({"knowledge_version": saved.knowledge_version, "changed": saved.changed})
