"""The administrators' dashboard: questions and phone enquiries, knowledge gaps and warnings, callback
requests, cases, audit log."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from .. import analytics, audit, csrf, enquiries, knowledge_service
from ..auth import role_required
from ..db import get_db

bp = Blueprint("admin", __name__, url_prefix="/admin")
csrf.protect(bp)
bp.add_app_template_filter(audit.office_time, "office_time")

GAPS_SHOWN = 20
AUDIT_SHOWN = 50


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@role_required("admin")
def dashboard():
    db = get_db()
    store = knowledge_service.store()
    store.get()  # picks up a knowledge edit made since the last request, so its warnings are current
    return render_template(
        "admin/dashboard.html",
        last_7=analytics.questions_since(db, 7),
        last_30=analytics.questions_since(db, 30),
        shares=analytics.shares(db, 30),
        phone=enquiries.counts(db, 30),
        open_callbacks=analytics.open_callbacks(db),
        gaps=analytics.knowledge_gaps(db, 30, GAPS_SHOWN),
        warnings=store.warnings,
        statuses=analytics.cases_by_status(db),
        entries=audit.entries(db, limit=AUDIT_SHOWN, newest_first=True),
    )


@bp.get("/")
def dashboard_with_slash():
    return redirect(url_for(".dashboard"))
