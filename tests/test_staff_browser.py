"""The staff console in a real Chromium against a real gunicorn: log in, look a case up, stay accessible.

The account is made with `assistant users add` and the case with `assistant cases import`, as the
office does it. The fixture helpers are copied from test_browser.py (small, and private to it).
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
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="no chromium binary (apt-get install chromium; `make test` does it)"
    ),
]

PASSWORD = "window-clerk-2026"
CASE = {
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

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
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


def assistant(args: list[str], env: dict, input: str | None = None) -> None:
    done = subprocess.run([str(BIN / "assistant"), *args], cwd=ROOT, env=env, input=input, capture_output=True, text=True)
    assert done.returncode == 0, f"assistant {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A gunicorn with two workers, one staff account and one imported case."""
    tmp = tmp_path_factory.mktemp("staff-browser")
    knowledge = tmp / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    env = {
        **os.environ,
        "ASSISTANT_DB": str(tmp / "instance" / "assistant.db"),
        "ASSISTANT_KNOWLEDGE": str(knowledge),
        "ASSISTANT_DEMO_DATA": "0",
        "ASSISTANT_SECRET_KEY": "test",
    }
    cases = tmp / "cases.jsonl"
    cases.write_text(json.dumps(CASE, ensure_ascii=False) + "\n", encoding="utf-8")
    assistant(["cases", "import", str(cases)], env)
    assistant(["users", "add", "wang", "--role", "staff", "--password-stdin"], env, input=PASSWORD + "\n")

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
    wait_for_server(f"{base}/healthz", process, stderr_path)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def serious_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_a_clerk_logs_in_on_a_phone_finds_a_case_by_number_and_reveals_the_phone(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []  # script errors, failed requests, anything the CSP refused (inline style or script)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text and problems.append(m.text))
    page.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(f"{r.status} {r.url}"),
    )
    try:
        page.goto(server + "/staff")
        expect(page).to_have_url(server + "/staff/login?next=/staff")
        expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
        expect(page.get_by_label("用户名")).to_be_focused()
        page.get_by_label("用户名").fill("wang")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()

        expect(page).to_have_url(server + "/staff")
        search = page.get_by_label("办件编号，或申请人、项目名称中的文字")
        expect(search).to_be_focused()  # the clerk can type as soon as the page is there
        assert horizontal_overflow(page) <= 0
        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

        search.fill("rf-test-0001")
        search.press("Enter")
        expect(page).to_have_url(server + "/staff/cases/RF-TEST-0001")
        expect(page.get_by_role("heading", level=1)).to_contain_text("RF-TEST-0001")
        expect(page.get_by_text("测试建设有限公司")).to_be_visible()
        expect(page.get_by_text("人防工程施工图设计文件").first).to_be_visible()
        expect(page.get_by_text("139****5678")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("13912345678")
        assert horizontal_overflow(page) <= 0
        violations = serious_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

        page.get_by_role("button", name="显示完整号码").click()
        expect(page.get_by_text("13912345678")).to_be_visible()
        expect(page.get_by_text("已记入审计日志")).to_be_visible()

        page.get_by_role("button", name="退出登录").click()
        expect(page).to_have_url(server + "/staff/login")
        expect(page.get_by_role("status")).to_have_text("您已安全退出。")
        assert problems == []
    finally:
        context.close()
