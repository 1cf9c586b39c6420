"""The window staff's console: log in, find a case while the applicant is on the phone, see it in full.

Every search, view and phone reveal is written to the audit log by `staff_cases` before the page is
built. Every form carries the CSRF token; pages are never cached (they hold personal data).
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from .. import (
    accounts,
    audit,
    callbacks,
    csrf,
    desk,
    enquiries,
    knowledge_service,
    reminders,
    staff_cases,
)
from ..auth import login_required, safe_next
from ..cases import STATUSES, normalise_case_no
from ..errors import AssistantError, BadRequest
from ..web_db import get_db
from .api import client_address

log = logging.getLogger(__name__)

bp = Blueprint("staff", __name__, url_prefix="/staff")
csrf.protect(bp)

LAST_SEARCH = "staff_last_search"


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # not even the back button after logout shows a case
    return response


def _actor() -> audit.Actor:
    return audit.Actor(current_user.name, client_address())


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; on success, on to `next` (a local path only) or the console.

    Only a POST logs in. Flask answers HEAD with this GET view too, so the test is "is it a POST",
    never "is it a GET": a HEAD carrying the form's fields gets the form, and no password is checked.
    """
    next_url = safe_next(request.values.get("next"))
    if request.method != "POST":
        if current_user.is_authenticated:
            return redirect(next_url or url_for(".console"))
        return render_template("staff/login.html", next=next_url, name="")
    name = request.form.get("name", "")
    try:
        user = accounts.authenticate(
            get_db(), name, request.form.get("password"), client_address(),
            lockout_minutes=current_app.config["LOCKOUT_MINUTES"],
        )
    except AssistantError as e:
        # Not the name: people type their password into the name field often enough.
        log.info("login refused from %s (%s)", client_address(), e.status)
        return render_template("staff/login.html", next=next_url, name=name, error=e.message), e.status
    session.clear()  # nothing from before the login carries over into the logged-in session
    login_user(user)
    csrf.rotate()
    log.info("login: %s (%s) from %s", user.name, user.role, client_address())
    return redirect(next_url or url_for(".console"))


@bp.post("/logout")
def logout():
    """End the session for good: a copy of its cookie kept from before opens nothing afterwards."""
    if current_user.is_authenticated:
        log.info("logout: %s", current_user.name)
        accounts.end_sessions(get_db(), current_user.id)
    logout_user()
    session.clear()
    flash("您已安全退出。")
    return redirect(url_for(".login"))


@bp.route("", methods=["GET", "POST"])
@login_required
def console():
    """The answer desk. Its search box asks `answers_api` as the clerk types (static/desk.js).

    Without JavaScript the form is a POST case search, so that names never appear in URLs, access
    logs or history: a case number goes straight to its case; otherwise the list is kept in the
    session and shown after a redirect (post/redirect/get), so the back button comes back to it.
    """
    if request.method == "POST":
        result = staff_cases.search(get_db(), knowledge_service.current(), request.form.get("q", ""), _actor())
        session.pop(LAST_SEARCH, None)
        if result is not None and result.exact:
            return redirect(url_for(".case", case_no=result.exact))
        if result is not None:
            session[LAST_SEARCH] = {"query": result.query, "cases": [c.case_no for c in result.cases], "more": result.more}
        return redirect(url_for(".console"))
    last = session.get(LAST_SEARCH)
    result = None
    if last:
        result = staff_cases.redisplay(get_db(), knowledge_service.current(), last["query"], last["cases"], last["more"])
    return render_template(
        "staff/console.html",
        result=result,
        statuses=[(code, s.label) for code, s in STATUSES.items()],
        deadlines=list(staff_cases.DEADLINE_FILTERS.items()),
    )


@bp.get("/api/answers")
@login_required
def answers_api():
    """The desk's search as you type: answer cards and the cases a fragment points to (audited).

    `q` may be a question or a few characters; `status` and `deadline` narrow the cases. A GET, as
    the contract says: the access log leaves query strings out (gunicorn.conf.py), and fetch()
    keeps them out of the address bar and history.
    """
    query = request.args.get("q", "")
    if len(query) > desk.MAX_QUERY_CHARS:
        raise BadRequest(f"搜索内容太长了，请精简到{desk.MAX_QUERY_CHARS}个字以内。")
    knowledge = knowledge_service.current()
    cards = desk.answer_cards(knowledge, query, today=knowledge_service.today())
    found = staff_cases.find(
        get_db(),
        knowledge,
        query,
        _actor(),
        status=request.args.get("status") or None,
        deadline=request.args.get("deadline") or None,
        today=knowledge_service.today(),
    )
    cases = [c.as_json() for c in found or []]
    # A whole case number: the page opens that case when the clerk presses Enter.
    exact = next((c["case_no"] for c in cases if c["case_no"] == normalise_case_no(query)), None)
    return jsonify({"results": [c.as_json() for c in cards], "cases": cases, "exact": exact})


@bp.post("/api/enquiries")
@login_required
def enquiries_api():
    """One phone enquiry answered from a desk card: `{"item_id", "entry_id"?, "outcome"}` → 201."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("请求内容应当是 JSON 对象。")
    enquiry_id = enquiries.record(
        get_db(), knowledge_service.current(), current_user.name,
        data.get("item_id"), data.get("entry_id"), data.get("outcome"),
    )
    return jsonify({"id": enquiry_id}), 201


@bp.get("/due")
@login_required
def due():
    """The day's due cases, as `assistant reminders` lists them, each with its reminder text."""
    knowledge = knowledge_service.current()
    found = reminders.due_within(get_db(), knowledge, staff_cases.DUE_WITHIN, today=knowledge_service.today())
    audit.record(get_db(), _actor(), "search", detail=f"到期提醒（{staff_cases.DUE_WITHIN}个工作日内）")
    return render_template("staff/due.html", reminders=found, within=staff_cases.DUE_WITHIN)


@bp.get("/")
def console_with_slash():
    return redirect(url_for(".console"))


REVEALED = "staff_revealed"  # the audit entry of a reveal, until the case page has shown it once


# `path:` because a case number is whatever the approval system gave it, `/` included
# (QP/2026/0042); the importer refuses the few that no address can carry (`..`, `//`).
@bp.get("/cases/<path:case_no>")
@login_required
def case(case_no: str):
    """One case in full, the phone masked (audited as a view); right after a reveal, the full phone.

    The reveal left its audit entry in the session; this page shows the phone against it and uses
    it up, whichever case is opened next, so a reload or the back button shows the masked phone.
    """
    revealed_by = session.pop(REVEALED, None)
    found = staff_cases.detail(get_db(), knowledge_service.current(), case_no, _actor(), revealed_by=revealed_by)
    return render_template("staff/case.html", case=found)


@bp.post("/cases/<path:case_no>/reveal")
@login_required
def reveal(case_no: str):
    """Audit a reveal of the full phone, then show it on the case page (post/redirect/get).

    Answering the POST with the page itself would let a reload send the POST again and write a
    second reveal for one look at the phone.
    """
    revealed = staff_cases.reveal(get_db(), case_no, _actor())
    session[REVEALED] = revealed.entry_id
    return redirect(url_for(".case", case_no=revealed.case_no))


# ---------------------------------------------------------------- callback requests (转人工 / 留言)

CALLBACK_REVEALED = "staff_callback_revealed"  # the reference whose reveal was just audited


def _to_callbacks(reference: str | None = None):
    """Back to the list (post/redirect/get), scrolled to the request acted on."""
    anchor = f"callback-{reference}" if reference else None
    return redirect(url_for(".callbacks_list", _anchor=anchor))


@bp.get("/callbacks")
@login_required
def callbacks_list():
    """Open callback requests, oldest first, phones masked; those waiting over a working day stand out.

    Right after a reveal (audited by its POST) the page shows that one number, once: a reload
    shows it masked again and writes nothing.
    """
    revealed = session.pop(CALLBACK_REVEALED, None)
    found = callbacks.open_requests(get_db(), knowledge_service.current().calendar, revealed=revealed)
    return render_template("staff/callbacks.html", requests=found)


@bp.post("/callbacks/<reference>/take")
@login_required
def callback_take(reference: str):
    """The clerk takes the request on, so colleagues see it is being handled."""
    try:
        callbacks.take(get_db(), reference, current_user.name)
    except callbacks.Conflict as e:
        flash(e.message)
    else:
        flash(f"您已接手回电请求 {reference}，请尽快回电。")
    return _to_callbacks(reference)


@bp.post("/callbacks/<reference>/reveal")
@login_required
def callback_reveal(reference: str):
    """Audit the reveal of the request's phone, then show it on the list (post/redirect/get)."""
    callbacks.reveal(get_db(), reference, _actor())
    session[CALLBACK_REVEALED] = reference
    return _to_callbacks(reference)


@bp.post("/callbacks/<reference>/close")
@login_required
def callback_close(reference: str):
    """Close the request with a note of what was done; it leaves the open list."""
    try:
        callbacks.close(get_db(), reference, current_user.name, request.form.get("note"))
    except (BadRequest, callbacks.Conflict) as e:
        flash(e.message)
        return _to_callbacks(reference)
    flash(f"回电请求 {reference} 已办结，已从待处理列表中移除。")
    return _to_callbacks()
