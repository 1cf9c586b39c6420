"""`assistant users add` and `assistant users list`: accounts made on the server, passwords never shown."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from assistant.db import connect

GOOD = "a-long-password-1"


def test_add_with_a_hidden_prompt_asks_twice_and_stores_only_a_hash(runner, db_path):
    result = runner.invoke(["users", "add", "chen", "--role", "admin"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "已创建管理员账号：chen" in result.output
    assert GOOD not in result.output  # the prompt does not echo
    row = next(connect(db_path).query("select * from users"))
    assert row["name"] == "chen" and row["role"] == "admin" and row["active"] == 1 and row["created_at"]
    assert GOOD not in row["password_hash"]
    assert row["password_hash"].startswith(("scrypt:", "pbkdf2:"))
    assert check_password_hash(row["password_hash"], GOOD)


def test_add_with_password_stdin_reads_the_first_line(runner, db_path):
    result = runner.invoke(["users", "add", "wang", "--role", "staff", "--password-stdin"], input=f"{GOOD}\nignored\n")
    assert result.exit_code == 0, result.output
    row = next(connect(db_path).query("select * from users"))
    assert check_password_hash(row["password_hash"], GOOD)


def test_two_different_passwords_at_the_prompt_create_nothing(runner, db_path):
    result = runner.invoke(["users", "add", "chen", "--role", "admin"], input=f"{GOOD}\n{GOOD}x\n")
    assert result.exit_code == 1
    assert "两次输入的密码不一致" in result.output
    assert connect(db_path).execute("select count(*) from users").fetchone()[0] == 0


@pytest.mark.parametrize(
    "args, password, says",
    [
        (["--role", "boss"], GOOD, "角色只能是"),
        ([], GOOD, "请用 --role 指定角色"),
        (["--role", "staff"], "short", "密码太短了：至少需要10个字符"),
        (["--role", "staff"], "", "密码太短了"),
    ],
    ids=["bad role", "no role", "short password", "empty password"],
)
def test_bad_input_is_refused_in_chinese_with_exit_1(runner, db_path, args, password, says):
    result = runner.invoke(["users", "add", "wang", *args, "--password-stdin"], input=password + "\n")
    assert result.exit_code == 1
    assert says in result.output
    assert "Traceback" not in result.output
    assert connect(db_path).execute("select count(*) from users").fetchone()[0] == 0


@pytest.mark.parametrize("again", ["wang", "WANG", " ｗａｎｇ"])
def test_a_duplicate_name_is_refused_in_chinese_with_exit_1(runner, db_path, again):
    assert runner.invoke(["users", "add", "wang", "--role", "staff", "--password-stdin"], input=GOOD).exit_code == 0
    result = runner.invoke(["users", "add", again, "--role", "admin", "--password-stdin"], input=GOOD)
    assert result.exit_code == 1
    assert "已经存在" in result.output
    assert connect(db_path).execute("select count(*) from users").fetchone()[0] == 1


def test_list_shows_names_roles_and_creation_times_but_no_hashes(runner):
    assert "还没有账号" in runner.invoke(["users", "list"]).output
    runner.invoke(["users", "add", "chen", "--role", "admin", "--password-stdin"], input=GOOD)
    runner.invoke(["users", "add", "wang", "--role", "staff", "--password-stdin"], input=GOOD)
    result = runner.invoke(["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("chen\tadmin（管理员）\t20") and lines[1].startswith("wang\tstaff（窗口人员）\t20")
    assert "scrypt" not in result.output and "pbkdf2" not in result.output


def test_an_account_made_on_the_command_line_can_log_in(runner, auth):
    runner.invoke(["users", "add", "wang", "--role", "staff", "--password-stdin"], input=GOOD)
    assert auth.login("wang", GOOD).headers["Location"] == "/staff"


def test_passwd_replaces_a_forgotten_password(runner, auth):
    runner.invoke(["users", "add", "wang", "--role", "staff", "--password-stdin"], input=GOOD)
    result = runner.invoke(["users", "passwd", "wang", "--password-stdin"], input="another-password-2\n")
    assert result.exit_code == 0 and "新密码" in result.output
    assert auth.login("wang", GOOD).status_code == 401  # the old one no longer works
    assert auth.login("wang", "another-password-2").headers["Location"] == "/staff"


def test_passwd_for_an_unknown_name_or_a_short_password_is_refused(runner):
    runner.invoke(["users", "add", "wang", "--role", "staff", "--password-stdin"], input=GOOD)
    assert runner.invoke(["users", "passwd", "nobody", "--password-stdin"], input=GOOD).exit_code == 1
    short = runner.invoke(["users", "passwd", "wang", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "太短" in short.output


def test_a_disabled_account_is_logged_out_and_cannot_log_in_until_enabled(runner, auth, client):
    runner.invoke(["users", "add", "wang", "--role", "staff", "--password-stdin"], input=GOOD)
    auth.login("wang", GOOD)
    assert client.get("/staff").status_code == 200
    assert runner.invoke(["users", "disable", "wang"]).exit_code == 0
    assert client.get("/staff").status_code == 302  # the open session ends at once
    assert auth.login("wang", GOOD).status_code != 302
    assert "已停用" in runner.invoke(["users", "list"]).output
    assert runner.invoke(["users", "enable", "wang"]).exit_code == 0
    assert auth.login("wang", GOOD).headers["Location"] == "/staff"
