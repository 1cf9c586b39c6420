"""The app's database within a request: the Flask glue around `db.py`, which imports no Flask."""

from __future__ import annotations

import sqlite_utils
from flask import Flask, current_app

from . import db


def get_db() -> sqlite_utils.Database:
    """This thread's connection to the app's database (`DB`), opened on first use and kept for later
    requests; a transaction an error left open is rolled back at the end of the request."""
    return db.thread_connection(current_app.config["DB"])


def init_app(app: Flask) -> None:
    """Create or migrate the database once at start-up, and clean each request's connection up after it."""
    db.connect(app.config["DB"]).conn.close()
    app.teardown_appcontext(db.end_request)
