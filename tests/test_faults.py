"""Faults and hostile input get a clear answer, never a 500: nested JSON, a busy database."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest


def test_json_nested_thousands_deep_is_a_400_in_chinese(client):
    body = "[" * 30000 + "]" * 30000  # under the 64 KB limit, far over the parser's depth
    response = client.post("/api/chat", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]


def test_a_database_locked_by_another_process_is_a_503_with_retry_after(client, db_path):
    client.post("/api/chat", json={"message": "结建审批要多久"})  # the database exists and is migrated
    holder = sqlite3.connect(db_path, timeout=1)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock longer than we wait
    released = threading.Timer(8, holder.rollback)
    released.start()
    try:
        started = time.monotonic()
        response = client.post("/api/chat", json={"message": "结建审批要多久"})
        waited = time.monotonic() - started
    finally:
        released.cancel()
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "系统正忙" in response.get_json()["error"]
    assert 4 <= waited < 8  # a bounded wait (the busy timeout), not forever
    assert client.post("/api/chat", json={"message": "结建审批要多久"}).status_code == 200  # and then it works


# ---- the request path ---------------------------------------------------------------------------------


def test_a_chat_turn_is_one_transaction_on_the_threads_own_connection(app, client):
    from assistant.web_db import get_db

    client.post("/api/chat", json={"message": "结建审批要多久"})  # opens this thread's connection
    with app.app_context():
        db = get_db()
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        reply = client.post("/api/chat", json={"message": "人防车位能装充电桩吗"}).get_json()
    finally:
        db.conn.set_trace_callback(None)
    with app.app_context():
        assert get_db() is db  # the same connection, kept between requests
    writes = [s for s in statements if s.split()[0].upper() in ("INSERT", "UPDATE", "COMMIT", "BEGIN")]
    assert [w.split()[0].upper() for w in writes] == ["BEGIN", "INSERT", "INSERT", "COMMIT"], writes
    assert not any("PRAGMA" in s or "sqlite_master" in s for s in statements), statements  # no schema questions
    assert reply["kind"] == "answer"


def test_the_question_is_stored_even_when_answering_it_fails(app, client, db_path):
    import sqlite3

    from assistant import chat

    broken = chat.answer

    def failing(*args, **kwargs):
        raise RuntimeError("a bug while answering")

    chat.answer = failing
    try:
        response = client.post("/api/chat", json={"message": "结建审批要多久"})
    finally:
        chat.answer = broken
    assert response.status_code == 500 and "12345" in response.get_json()["error"]
    rows = sqlite3.connect(db_path).execute("select question, kind from questions").fetchall()
    assert rows == [("结建审批要多久", "error")]


def test_too_many_questions_from_one_client_get_a_429_saying_how_long_to_wait(app, client):
    app.extensions["chat_limit"].limit = 3
    statuses = [client.post("/api/chat", json={"message": "结建审批要多久"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.post("/api/chat", json={"message": "结建审批要多久"})
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "秒后再试" in response.get_json()["error"]


# ---- /healthz tells the truth about writing ---------------------------------------------------------


def test_healthz_reports_a_disk_without_room(app, client):
    assert client.get("/healthz").status_code == 200
    app.config["MIN_FREE_MB"] = 10**9  # more than any disk has
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded" and "剩余空间" in body["problems"][0]


def test_healthz_reports_a_database_it_cannot_write(client, db_path):
    import shutil
    import subprocess

    import pytest

    client.get("/healthz")
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(db_path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here (the only read-only file a root test can make)")
    try:
        response = client.get("/healthz")
    finally:
        subprocess.run(["chattr", "-i", str(db_path)], check=False)
    assert response.status_code == 503
    assert "无法写入" in response.get_json()["problems"][0]
    assert client.get("/healthz").status_code == 200  # writable again: healthy again


@pytest.mark.parametrize(
    "sqlite_says, user_reads",
    [
        ("database is locked", "系统正忙"),
        ("attempt to write a readonly database", "无法保存"),
        ("database or disk is full", "无法保存"),
        ("disk I/O error", "无法保存"),
    ],
)
def test_each_way_a_database_refuses_a_write_is_a_503_in_chinese(sqlite_says, user_reads):
    import sqlite3

    from assistant.errors import database_trouble

    trouble = database_trouble(sqlite3.OperationalError(sqlite_says))
    assert trouble.status == 503 and user_reads in trouble.message and trouble.retry_after


def test_a_programming_error_in_sql_stays_a_500(client):
    import sqlite3

    from assistant.errors import database_trouble

    assert database_trouble(sqlite3.OperationalError("no such column: nonsense")) is None
