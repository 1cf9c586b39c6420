"""Shared fixtures: the real app on a real SQLite file in a temporary folder.

`knowledge_dir` is a private copy of the shipped knowledge, so a test may break or edit a file
without touching the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import create_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def knowledge_dir(tmp_path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "instance" / "assistant.db"


@pytest.fixture
def app(db_path, knowledge_dir):
    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "KNOWLEDGE": str(knowledge_dir),
            "SECRET_KEY": "test",
            "DEMO_DATA": False,
            "KNOWLEDGE_RELOAD_SECONDS": 0,
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


class AssistantRunner(CliRunner):
    """`assistant ...` run in-process, configured as an administrator configures it: through
    `ASSISTANT_*` variables, here naming this test's database and knowledge copy."""

    def invoke(self, args, input=None, env=None, **kwargs):
        from assistant.cli import cli

        return super().invoke(cli, args, input=input, env=env, **kwargs)


@pytest.fixture
def runner(db_path, knowledge_dir):
    """The one way tests run the CLI: `runner.invoke(["kb", "check"], input=..., env={...})`; `env`
    adds to (or, with None, removes) the variables that point at this test's files."""
    return AssistantRunner(env={"ASSISTANT_DB": str(db_path), "ASSISTANT_KNOWLEDGE": str(knowledge_dir)})


@pytest.fixture
def ask(client):
    """Send one chat message; returns the JSON reply (asserting a 200)."""

    def _ask(message: str, conversation_id: str | None = None) -> dict:
        body = {"message": message}
        if conversation_id:
            body["conversation_id"] = conversation_id
        response = client.post("/api/chat", json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return _ask


# ---- staff and admin accounts ------------------------------------------------------------------------

PASSWORD = "correct-horse-battery"


class AuthActions:
    """Accounts and the login form, as the staff and admin tests use them (real hashing, real CSRF)."""

    def __init__(self, client, db_path):
        self.client = client
        self.db_path = db_path

    def create(self, name: str = "wang", role: str = "staff", password: str = PASSWORD):
        from assistant.accounts import create_user
        from assistant.db import connection

        with connection(self.db_path) as db:
            return create_user(db, name, role, password)

    def csrf(self, path: str = "/staff/login") -> str:
        """The CSRF token from the hidden field of the page at `path`."""
        import re

        page = self.client.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    def login(self, name: str = "wang", password: str = PASSWORD, next: str | None = None):
        data = {"name": name, "password": password, "csrf_token": self.csrf()}
        if next is not None:
            data["next"] = next
        return self.client.post("/staff/login", data=data)

    def logout(self):
        return self.client.post("/staff/logout", data={"csrf_token": self.csrf("/staff")})


@pytest.fixture
def auth(client, db_path):
    return AuthActions(client, db_path)


@pytest.fixture
def admin(auth):
    """An administrator, logged in: `admin.client` is their browser."""
    auth.create("chen", "admin")
    assert auth.login("chen").status_code == 302
    return auth
