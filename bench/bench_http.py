"""Requests per second through gunicorn (the repository's config): `/api/chat` beside an endpoint that
only runs `match()` and one that returns a constant — one table from one run.

Starts gunicorn on a free port with bench/http_app.py (the real app plus the two reference endpoints)
and a fresh database, then drives it with wrk (Debian's package: apt-get install wrk), 16 connections
for `--seconds` each, posting 8 mixed questions in turn, and checks both workers shared the work
(`balanced_run`). Afterwards it checks that every question posted to /api/chat was logged (no lost
rows). Run by hand; prints figures, asserts nothing.

    python bench/bench_http.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["结建审批要多久", "易地建设费怎么交", "人防车位能买吗", "防空警报什么时候试鸣", "没做使用备案罚多少",
             "附近的防空洞在哪", "人防工程竣工验收要什么材料", "社保卡丢了怎么办"]
LUA = """
local bodies = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[(i %% #bodies) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_wrk(url: str, seconds: int, connections: int, script: Path | None) -> tuple[float, int, int]:
    """(requests/s, non-2xx responses and socket errors, requests completed)."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return rate, errors, done


def worker_cpu(server: subprocess.Popen) -> dict[int, int]:
    """CPU time (clock ticks) each gunicorn worker has used so far, by pid."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.pid:  # ppid: a worker of this gunicorn
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def balanced_run(server, url, seconds, connections, script) -> tuple[float, int, int, float]:
    """(requests/s, errors, requests completed in every attempt, least busy worker's CPU share) of
    one measured wrk run in which both workers did their share.

    wrk opens its keep-alive connections in one burst, and a worker that happens to be idle first
    (the other still finishing the warm-up) can accept all of them: the run then measures one
    worker, half the throughput, whatever the endpoint. So the workers' CPU time is read around
    the run, and a run where one worker did less than `FAIR_SHARE` of the work is done again (up to
    three times; the share of the last run is printed either way).
    """
    completed = 0
    for _attempt in range(3):
        time.sleep(1)  # both workers idle when the connections arrive
        before = worker_cpu(server)
        rate, errors, done = run_wrk(url, seconds, connections, script)
        completed += done
        after = worker_cpu(server)
        used = sorted(after[pid] - before.get(pid, 0) for pid in after)
        share = used[0] / max(1, sum(used)) if len(used) > 1 else 0.5
        if share >= FAIR_SHARE:
            break
    return rate, errors, completed, share


# The least busy worker's share of the workers' CPU time for a run to count (an even split is 0.5).
FAIR_SHARE = 0.35


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--chat-only", action="store_true", help="only /api/chat (e.g. 50 connections for 60 s)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench_http: wrk is missing (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        port = free_port()
        # wrk comes from one address: lift the per-client chat limit, as nginx would spread real clients.
        env = {"ASSISTANT_DB": str(db), "ASSISTANT_DEMO_DATA": "0", "ASSISTANT_SECRET_KEY": "bench",
               "ASSISTANT_CHAT_PER_MINUTE": "100000000", "PATH": "/usr/bin:/bin"}
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "bench.http_app:app", "--bind", f"127.0.0.1:{port}",
             "--access-logfile", "/dev/null"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            script = Path(tmp) / "post.lua"
            script.write_text(LUA % ", ".join(json.dumps(json.dumps({"message": q})) for q in QUESTIONS))
            rows, chat_requests = [], 0
            endpoints = [("constant JSON", "/bench/constant", None), ("match() only", "/bench/match", script),
                         ("/api/chat", "/api/chat", script)]
            for label, path, lua in endpoints[2:] if args.chat_only else endpoints:
                warm = run_wrk(base + path, 2, args.connections, lua)
                chat_requests += warm[2] if path == "/api/chat" else 0
                rate, errors, done, share = balanced_run(server, base + path, args.seconds, args.connections, lua)
                rows.append((label, rate, errors, share))
                chat_requests += done if path == "/api/chat" else 0
            logged = sqlite3.connect(db).execute("select count(*) from questions").fetchone()[0]
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"gunicorn (gunicorn.conf.py: 2 workers × 2 threads), wrk {args.connections} connections, {args.seconds} s each")
    print(f"{'endpoint':<16} {'requests/s':>11} {'errors':>8} {'of constant':>12} {'of match()':>11} {'workers':>9}")
    for label, rate, errors, share in rows:
        of_constant = f"{100 * rate / rows[0][1]:.0f}%" if not args.chat_only else "—"
        of_match = f"{100 * rate / rows[1][1]:.0f}%" if not args.chat_only else "—"
        split = f"{100 * share:.0f}/{100 - 100 * share:.0f}"
        print(f"{label:<16} {rate:>11.0f} {errors:>8} {of_constant:>12} {of_match:>11} {split:>9}")
    print("workers: how the two workers' CPU time was split during the run (a run below "
          f"{100 * FAIR_SHARE:.0f}/{100 - 100 * FAIR_SHARE:.0f} is done again, up to three times)")
    # wrk counts the responses it read before its clock stopped; requests still in flight then were
    # answered and logged too, so a few more rows than responses is expected, fewer is a loss.
    print(f"/api/chat responses counted by wrk: {chat_requests}; question rows logged: {logged}; "
          f"lost: {max(0, chat_requests - logged)}")


if __name__ == "__main__":
    main()
