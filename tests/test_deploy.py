"""The deployment in deploy/: Debian's nginx with the site's own configuration in front of a real
gunicorn, and the online backup with its restore drill.

nginx runs `deploy/nginx-site.conf` and its includes as shipped, with only the host-specific parts
swapped for the test (ports, the checkout's path, a self-signed certificate, log files in a temporary
folder). Slow clients are shown not to stall the site behind nginx — and, as the test's own control,
to stall gunicorn when it faces them alone.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from live_server import TEST_CASE, find_free_port, start_site

from assistant import create_app
from assistant.backup import backup
from assistant.db import connect
from assistant.importer import import_file
from assistant.knowledge import load

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SLOW_CLIENTS = 8  # twice gunicorn's 2 workers × 2 threads


# ---- nginx in front ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn (behind a proxy) and nginx with the shipped configuration; yields their addresses."""
    if NGINX is None or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl missing (apt-get install nginx openssl; `make test` does it)")
    tmp = tmp_path_factory.mktemp("deploy")
    (tmp / "app").mkdir()
    with start_site(tmp / "app", [TEST_CASE], env={"ASSISTANT_BEHIND_PROXY": "1"}) as app_url:
        http, https = find_free_port(), find_free_port()
        conf = _nginx_conf(tmp / "nginx", app_url.rsplit(":", 1)[1], http, https)
        process = subprocess.Popen(
            [NGINX, "-p", str(tmp / "nginx"), "-c", str(conf), "-e", str(tmp / "nginx" / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            _wait(f"https://127.0.0.1:{https}/healthz", process)
            yield {"app": app_url, "http": f"http://127.0.0.1:{http}", "https": f"https://127.0.0.1:{https}",
                   "db": tmp / "app" / "instance" / "assistant.db"}
        finally:
            process.terminate()
            process.wait(timeout=10)


def _nginx_conf(folder: Path, app_port: str, http: int, https: int) -> Path:
    """The shipped site with this machine's ports, paths and a self-signed certificate."""
    folder.mkdir(parents=True)
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(mode=0o777)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )

    def local(text: str) -> str:
        return (
            text.replace("/srv/renfang-assistant/deploy", str(folder))
            .replace("/srv/renfang-assistant", str(ROOT))
            .replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
            .replace("/etc/ssl/renfang/fullchain.pem", str(folder / "cert.pem"))
            .replace("/etc/ssl/renfang/privkey.pem", str(folder / "key.pem"))
            .replace("/var/log/nginx/", f"{folder}/")
            .replace("listen 80;", f"listen 127.0.0.1:{http};").replace("listen [::]:80;", "")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;").replace("listen [::]:443 ssl http2;", "")
        )

    for name in ("renfang-proxy.inc", "renfang-upstream.inc"):
        (folder / name).write_text(local((DEPLOY / name).read_text(encoding="utf-8")), encoding="utf-8")
    (folder / "site.conf").write_text(local((DEPLOY / "nginx-site.conf").read_text(encoding="utf-8")), encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(
        f"""
        daemon off;
        worker_processes 1;
        pid {folder}/nginx.pid;
        {"user root;" if _root() else ""}
        error_log {folder}/error.log warn;
        events {{ worker_connections 256; }}
        http {{
            include /etc/nginx/mime.types;
            client_body_temp_path {folder}/client_body;
            proxy_temp_path {folder}/proxy;
            fastcgi_temp_path {folder}/fastcgi;
            uwsgi_temp_path {folder}/uwsgi;
            scgi_temp_path {folder}/scgi;
            access_log {folder}/access.log;
            include {folder}/site.conf;
        }}
        """,
        encoding="utf-8",
    )
    return main


def _root() -> bool:
    import os

    return os.geteuid() == 0


_INSECURE = ssl.create_default_context()
_INSECURE.check_hostname = False
_INSECURE.verify_mode = ssl.CERT_NONE


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict


def get(url: str, timeout: float = 5, data: bytes | None = None, headers: dict | None = None) -> Response:
    """One request (a POST when `data` is given); the connection is closed before returning."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=_INSECURE) as response:
            response.read()
            return Response(response.status, dict(response.headers))
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, dict(e.headers))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wait(url: str, process: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("nginx exited: see its error.log in the test's temporary folder")
        try:
            if get(url, timeout=1).status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("nginx did not answer")


def test_plain_http_is_sent_to_https_which_sets_hsts(site):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(site["http"] + "/", timeout=5).close()
        raise AssertionError("no redirect")
    except urllib.error.HTTPError as e:
        with e:
            assert e.code == 301 and e.headers["Location"].startswith("https://")
    response = get(site["https"] + "/")
    assert response.status == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    static = get(site["https"] + "/static/chat.js")
    assert static.status == 200 and "max-age=86400" in static.headers["Cache-Control"]
    assert static.headers["Strict-Transport-Security"]  # static files keep HSTS too


def test_the_app_sees_the_clients_address_through_one_trusted_proxy(site):
    # A forged X-Forwarded-For is overwritten by nginx: failures count against the real address.
    for _ in range(2):
        response = get(
            site["https"] + "/api/cases/lookup",
            data=json.dumps({"case_no": "RF-TEST-0001", "phone_last4": "0000"}).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": "10.9.9.9"},
        )
        assert response.status == 404
    clients = {r["client"] for r in connect(site["db"]).query("select client from lookup_failures")}
    assert clients == {"127.0.0.1"}


def test_bursts_on_the_api_are_limited_per_address(site):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: get(site["https"] + "/api/topics", timeout=10).status, range(80)))
    assert 429 in statuses and 200 in statuses
    assert get(site["https"] + "/", timeout=5).status == 200  # pages are not limited


def _slow_clients(host: str, port: int, tls: bool, stop: threading.Event) -> list[threading.Thread]:
    """Clients that send a chat request's headers, then its body one byte every half second."""

    def client():
        raw = socket.create_connection((host, port), timeout=30)
        sock = _INSECURE.wrap_socket(raw, server_hostname=host) if tls else raw
        body = json.dumps({"message": "结建审批要多久" * 3}).encode()
        try:
            sock.sendall(
                f"POST /api/chat HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
            )
            for byte in body:
                if stop.is_set():
                    break
                sock.sendall(bytes([byte]))
                time.sleep(0.5)
        except OSError:
            pass
        finally:
            sock.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(SLOW_CLIENTS)]
    for t in threads:
        t.start()
    return threads


def _healthz_seconds(url: str) -> float:
    started = time.monotonic()
    try:
        get(url + "/healthz", timeout=8)
    except OSError:
        return 8.0
    return time.monotonic() - started


def test_slow_bodies_no_longer_stall_the_site(site):
    host, port = site["https"].replace("https://", "").split(":")
    stop = threading.Event()
    threads = _slow_clients(host, int(port), True, stop)
    try:
        time.sleep(1.5)  # every slow client is connected and sending
        assert _healthz_seconds(site["https"]) < 2.0
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)


def test_control_without_nginx_the_same_slow_clients_do_stall_gunicorn(site):
    # Not a requirement but the proof that the test above measures something: alone, gunicorn's
    # four request threads are all held by slow bodies and the site stops answering.
    host, port = site["app"].replace("http://", "").split(":")
    stop = threading.Event()
    threads = _slow_clients(host, int(port), False, stop)
    try:
        time.sleep(1.5)
        assert _healthz_seconds(site["app"]) > 2.0
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)


# ---- backup and the restore drill -------------------------------------------------------------------


def test_an_online_backup_is_a_checked_snapshot_taken_while_the_site_writes(tmp_path, knowledge_dir):
    db_path = tmp_path / "live.db"
    db = connect(db_path)
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(TEST_CASE, ensure_ascii=False) + "\n", encoding="utf-8")
    import_file(db, load(knowledge_dir), path)
    stop = threading.Event()

    def writer():  # the site keeps logging questions during the backup
        conn = connect(db_path)
        while not stop.is_set():
            conn["questions"].insert({"asked_at": datetime.now(UTC).isoformat(), "question": "结建审批要多久"})

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        done = backup(db_path, tmp_path / "backups", keep=3)
    finally:
        stop.set()
        thread.join()
    copy = sqlite3.connect(done.path)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("select count(*) from cases").fetchone()[0] == 1
    assert done.questions == copy.execute("select count(*) from questions").fetchone()[0] > 0


def test_backups_rotate_and_the_cli_reports_them(runner, tmp_path, db_path):
    connect(db_path).conn.close()
    folder = tmp_path / "backups"
    for day in (1, 2, 3):
        backup(db_path, folder, keep=2, now=datetime(2026, 12, day, 2, 30, tzinfo=UTC))
    assert sorted(p.name for p in folder.iterdir()) == ["assistant-20261202-023000.db", "assistant-20261203-023000.db"]
    result = runner.invoke(["backup", str(folder), "--keep", "2"])
    assert result.exit_code == 0 and "完整性检查通过" in result.output
    assert "已删除旧备份 assistant-20261202-023000.db" in result.output
    missing = runner.invoke(["backup", str(folder)], env={"ASSISTANT_DB": str(tmp_path / "none.db")})
    assert missing.exit_code == 1 and "找不到数据库文件" in missing.output


def test_restore_drill_the_site_runs_on_a_backup(tmp_path, knowledge_dir):
    live = tmp_path / "live.db"
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(TEST_CASE, ensure_ascii=False) + "\n", encoding="utf-8")
    import_file(connect(live), load(knowledge_dir), path)
    done = backup(live, tmp_path / "backups")
    restored = tmp_path / "restored.db"
    shutil.copy(done.path, restored)  # the drill: the service stopped, the backup copied into place
    app = create_app({"TESTING": True, "DB": str(restored), "KNOWLEDGE": str(knowledge_dir),
                      "SECRET_KEY": "x", "DEMO_DATA": False})
    response = app.test_client().post("/api/cases/lookup", json={"case_no": TEST_CASE["case_no"], "phone_last4": "5678"})
    assert response.status_code == 200 and response.get_json()["case_no"] == TEST_CASE["case_no"]
