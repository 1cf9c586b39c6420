"""A real gunicorn and a real Chromium for the browser tests (test_browser.py, test_staff_browser.py).

`start_site` prepares a private knowledge copy and database the way the office would — with the
`assistant` commands — starts `gunicorn wsgi:app` on a free port and waits for `/healthz`, failing
with gunicorn's stderr if it never answers. Chromium is Debian's (Playwright cannot download one
here), started with the flags this closed network needs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The one case both browser test modules import: waiting for a material, phone ending 5678.
TEST_CASE = {
    "case_no": "RF-TEST-0001",
    "item_id": "shelter-build-approval",
    "applicant": "测试建设有限公司",
    "contact_phone": "13912345678",
    "submitted_at": "2026-11-02",
    "status": "needs_supplement",
    "project_name": "赵巷测试住宅项目",
    "missing_materials": ["人防工程施工图设计文件"],
    "supplement_due": "2026-12-10",
}

# Put `pytestmark = BROWSER` in a browser test module.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium; `make test` does it)"),
]


def find_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen, stderr_path: Path, timeout: float = 30) -> None:
    """Poll `url` until it answers 200; fail with gunicorn's stderr if it never does."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = response.status
        except OSError as e:  # refused while starting, or an HTTP error status
            last = e
        time.sleep(0.2)
    process.kill()
    process.wait()
    stderr = stderr_path.read_text(errors="replace")[-4000:]
    pytest.fail(f"gunicorn did not answer {url} with 200 ({last!r}); stderr:\n{stderr}")


def run_assistant(args: list[str], env: dict, input: str | None = None) -> None:
    """Run the `assistant` command as an administrator would; fail the test if it fails."""
    done = subprocess.run([str(BIN / "assistant"), *args], cwd=ROOT, env=env, input=input, capture_output=True, text=True)
    assert done.returncode == 0, f"assistant {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@contextmanager
def start_site(
    tmp: Path,
    cases: list[dict],
    users: dict[str, tuple[str, str]] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve the site (two workers) with `cases` imported and `users` (name → (role, password)); yields its URL.

    `env` adds or overrides environment variables for the commands and the server, for example
    `{"ASSISTANT_EMBED_ORIGINS": "http://127.0.0.1:8123"}`.
    """
    knowledge = tmp / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    env = {
        **os.environ,
        "ASSISTANT_DB": str(tmp / "instance" / "assistant.db"),
        "ASSISTANT_KNOWLEDGE": str(knowledge),
        "ASSISTANT_DEMO_DATA": "0",
        "ASSISTANT_SECRET_KEY": "test",
        **(env or {}),
    }
    path = tmp / "cases.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    run_assistant(["cases", "import", str(path)], env)
    for name, (role, password) in (users or {}).items():
        run_assistant(["users", "add", name, "--role", role, "--password-stdin"], env, input=password + "\n")

    port = find_free_port()
    stdout_path, stderr_path = tmp / "gunicorn.out", tmp / "gunicorn.err"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(f"{base}/healthz", process, stderr_path)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page, short enough to read in a failure."""
    return [v for v in all_violations(page) if v["impact"] in ("serious", "critical")]


def all_violations(page) -> list[dict]:
    """Every axe-core finding, of any impact (minor and moderate too), on a page or a frame."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)  # a playwright Frame has the same evaluate(), so frames work too
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
    ]


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
