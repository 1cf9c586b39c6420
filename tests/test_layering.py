"""Layering: the core never reaches Flask, Flask-Login, werkzeug or click.

Dependencies flow one way: `views/`, `cli.py` and a few web-glue modules → the core (`matcher`,
`cases`, `knowledge`, `db`, …). Every module of `assistant/` is core unless it is the factory
(`__init__.py`), the CLI, a blueprint in `views/`, or one of the web-glue modules named in `WEB`
with the reason it needs the web stack. The test reads each core module's imports with `ast`
(including imports inside functions), follows those within the package, and names the whole chain
when one reaches the web stack or a web module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
FORBIDDEN = {"flask", "flask_login", "werkzeug", "click"}

# The modules that are the web layer without living in views/: short, and each one for a reason.
WEB = {
    "auth": "Flask-Login: who is logged in, and the login_required / role_required decorators",
    "csrf": "CSRF tokens kept in the Flask session and checked before each blueprint's requests",
    "security": "response headers (CSP, framing) added to every Flask response",
    "knowledge_service": "the process's knowledge store kept on the Flask app, read through current_app",
    "web_db": "get_db(): the request's database connection, from current_app's DB setting",
    "web_errors": "turns AssistantError and HTTP errors into JSON or an error page for the request",
}
# Not core either: the factory, the command line, and the blueprints.
EDGE = {"__init__", "__main__", "cli"}


def _name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
CORE = sorted(
    name
    for name in MODULES
    if name.split(".")[1] not in EDGE | set(WEB) and not name.startswith("assistant.views")
)


def _is_web(name: str) -> bool:
    """A module of the package the core must not import (the web glue, the views, the factory, the CLI)."""
    parts = name.split(".")
    return name == "assistant" or parts[1] in EDGE | set(WEB) or parts[1] == "views"


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    """The modules an `from ... import ...` statement in `module` loads, as absolute names."""
    if node.level == 0:
        base = node.module or ""
    else:
        package = module.split(".")
        # a module's own package is everything but its last part; __init__ files are not in MODULES' keys
        package = package[: len(package) - node.level]
        base = ".".join(package + ([node.module] if node.module else []))
    submodules = [
        f"{base}.{alias.name}"
        for alias in node.names
        if f"{base}.{alias.name}" in MODULES or (PACKAGE.parent / base.replace(".", "/") / alias.name).is_dir()
    ]
    # `from . import audit` loads the module audit, not the package's __init__ (Python ran that first,
    # for every module, which is why __init__ imports Flask only inside create_app); `from . import
    # create_app` or `from .knowledge import load` loads the module named before `import`.
    named = node.module is not None or len(submodules) < len(node.names)
    return ([base] if named else []) + submodules


@cache
def _imports(module: str) -> tuple[str, ...]:
    """Every module `module` imports, at the top or inside a function, as absolute names."""
    path = MODULES.get(module) or PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names += _resolve(module, node)
    return tuple(dict.fromkeys(n for n in names if n))


def _chain_to_web(module: str) -> list[str] | None:
    """The import chain from `module` to the web stack or a web module, or None when there is none."""
    seen: set[str] = set()

    def visit(name: str, chain: list[str]) -> list[str] | None:
        for target in _imports(name):
            top = target.split(".")[0]
            if top in FORBIDDEN or (top == "assistant" and _is_web(target)):
                return [*chain, target]
            if top == "assistant" and target in MODULES and target not in seen:
                seen.add(target)
                found = visit(target, [*chain, target])
                if found:
                    return found
        return None

    return visit(module, [module])


def test_the_walk_sees_the_core_and_its_imports():
    """Guard against a vacuous pass: the core is most of the package, and imports are followed."""
    assert {"assistant.matcher", "assistant.knowledge", "assistant.cases", "assistant.errors", "assistant.db"} <= set(CORE)
    assert "assistant.knowledge" in _imports("assistant.matcher")
    assert "assistant.errors" in _imports("assistant.knowledge")
    assert "flask" in _imports("assistant.web_errors")
    assert _chain_to_web("assistant.web_errors") == ["assistant.web_errors", "flask"]


@pytest.mark.parametrize("module", CORE)
def test_a_core_module_never_reaches_flask_or_click(module):
    chain = _chain_to_web(module)
    assert chain is None, "the core reaches the web layer: " + " → ".join(chain)


@pytest.mark.parametrize("module", sorted(WEB))
def test_every_web_module_listed_needs_the_web_stack(module):
    """The list stays honest: a module that no longer imports Flask belongs to the core."""
    direct = {name.split(".")[0] for name in _imports(f"assistant.{module}")}
    assert direct & FORBIDDEN, f"assistant.{module} imports no Flask, Flask-Login or werkzeug: take it off WEB"


def test_importing_the_whole_core_loads_no_web_stack():
    """What the walk says, Python confirms: in a fresh interpreter, importing every core module (and
    so the package's `__init__`) leaves Flask, Flask-Login and werkzeug unloaded.

    click is left out of this check only: sqlite-utils loads it for its own plugin hooks, whoever
    imports sqlite_utils. That our code never imports click outside the CLI is the walk's to say.
    """
    web_stack = sorted(FORBIDDEN - {"click"})
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {web_stack!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_password_hashes_are_werkzeugs_format_both_ways():
    """`passwords.py` replaced werkzeug.security in the core: hashes stored before still verify, and
    werkzeug reads the new ones, so nobody has to reset a password."""
    from werkzeug.security import check_password_hash, generate_password_hash

    from assistant.passwords import check_password, hash_password

    old = generate_password_hash("correct-horse-battery")
    assert check_password(old, "correct-horse-battery")
    assert not check_password(old, "correct-horse-batterY")
    new = hash_password("正确的马电池钉书钉")
    assert new.startswith("scrypt:32768:8:1$")
    assert check_password_hash(new, "正确的马电池钉书钉")
    assert not check_password(new, "正确的马电池钉书")
    assert check_password(generate_password_hash("pbkdf2 too", method="pbkdf2:sha256:1000"), "pbkdf2 too")
    assert not check_password("not a hash", "anything")
    assert not check_password("md5$salt$abc", "anything")
