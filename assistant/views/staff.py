"""The window staff's console: log in, find a case while the applicant is on the phone, see it in full.

Every search, view and phone reveal is written to the audit log by `staff_cases` before the page is
built. Every form carries the CSRF token; pages are never cached (they hold personal data).
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from .. import accounts, audit, csrf, knowledge_service, staff_cases
from ..auth import login_required, safe_next
from ..db import get_db
from ..errors import AssistantError
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
    """The login form; on success, on to `next` (a local path only) or the console."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url or url_for(".console"))
        return render_template("staff/login.html", next=next_url, name="")
    name = request.form.get("name", "")
    try:
        user = accounts.authenticate(get_db(), name, request.form.get("password"), client_address())
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
    if current_user.is_authenticated:
        log.info("logout: %s", current_user.name)
    logout_user()
    session.clear()
    flash("您已安全退出。")
    return redirect(url_for(".login"))


@bp.route("", methods=["GET", "POST"])
@login_required
def console():
    """The search box. A search is a POST, so that names never appear in URLs, access logs or history.

    A case number goes straight to its case; otherwise the list is kept in the session and shown
    after a redirect (post/redirect/get), so the back button from a case comes back to it.
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
    return render_template("staff/console.html", result=result)


@bp.get("/")
def console_with_slash():
    return redirect(url_for(".console"))


@bp.get("/cases/<case_no>")
@login_required
def case(case_no: str):
    """One case in full, the phone masked (audited as a view)."""
    found = staff_cases.detail(get_db(), knowledge_service.current(), case_no, _actor())
    return render_template("staff/case.html", case=found)


@bp.post("/cases/<case_no>/reveal")
@login_required
def reveal(case_no: str):
    """The same page with the full phone, this once (audited as a reveal)."""
    found = staff_cases.detail(get_db(), knowledge_service.current(), case_no, _actor(), reveal=True)
    return render_template("staff/case.html", case=found)
