"""The README stays true: every setting and every command is documented there."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from assistant.cli import cli
from assistant.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
OWN_COMMANDS = {"ask", "kb", "cases", "reminders", "users", "audit"}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_in_the_readme(setting):
    assert f"`{setting.name}`" in README


def _commands(group: click.Group, prefix: str = ""):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if prefix == "" and name not in OWN_COMMANDS:
            continue  # Flask's own run, shell, routes
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize("path, command", list(_commands(cli)), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_has_help_and_is_in_the_readme(path, command):
    assert command.help and command.help.strip()
    assert f"assistant {path}" in README


def test_the_two_commands_come_first():
    first_screen = README[:1200]
    assert "make run" in first_screen and "make test" in first_screen
