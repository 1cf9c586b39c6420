"""Faults and hostile input get a clear answer, never a 500: nested JSON, a busy database."""

from __future__ import annotations

import sqlite3
import threading
import time


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
