"""Hygiene checks that fail: lint clean, and the shipped knowledge passes its own checks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_code_is_lint_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is part of the test extra: pip install -e '.[test]'"
    result = subprocess.run([ruff, "check", "assistant", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_shipped_knowledge_passes_check_and_self_test(runner):
    folder = str(ROOT / "knowledge")
    check = runner.invoke(["kb", "check", "--knowledge", folder])
    assert check.exit_code == 0, check.output
    selftest = runner.invoke(["kb", "test", "--knowledge", folder])
    assert selftest.exit_code == 0, selftest.output
