"""`minqing users`: add, list, disable, enable, set-password; passwords never printed; bad
input one line and exit 1."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from geo import db
from geo.auth.login import sign_in
from geo.settings import Settings
from tests.boundary_fixtures import load_tree

pytestmark = pytest.mark.db
SECRET = "a long secret 42"


def _minqing(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "users", *args], capture_output=True, text=True,
        env=env, input=stdin, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def url(scratch) -> str:
    """A database of its own with the small tree."""
    address = scratch.create_migrated("minqing_users_cli")
    load_tree(address, incidents=0)
    return address


def _signs_in(url: str, username: str, password: str) -> str:
    conn = db.connect(url)
    try:
        settings = Settings(login_delay_seconds=0)
        return sign_in(conn, username, password, settings).reason
    finally:
        conn.rollback()
        conn.close()


def test_add_list_disable_enable_and_set_password(url):
    added = _minqing(
        url, "add", "wang", "--name", "王五", "--role", "leader", "--area", "620102",
        "--password-stdin", "--by", "root", stdin=SECRET + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added wang (leader, district 620102)"
    assert SECRET not in added.stdout + added.stderr
    assert _signs_in(url, "wang", SECRET) == "ok"
    listed = _minqing(url, "list")
    assert listed.stdout.splitlines() == ["wang\t王五\tleader\tdistrict 620102\tactive"]
    assert _minqing(url, "disable", "wang").returncode == 0
    assert "disabled" in _minqing(url, "list").stdout
    assert _signs_in(url, "wang", SECRET) == "bad"
    assert _minqing(url, "enable", "wang").returncode == 0
    changed = _minqing(url, "set-password", "wang", "--password-stdin", stdin="new secret 43\n")
    assert changed.returncode == 0 and "new secret" not in changed.stdout + changed.stderr
    assert _signs_in(url, "wang", SECRET) == "bad"
    assert _signs_in(url, "wang", "new secret 43") == "ok"
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT actor, action FROM audit_log WHERE target = 'wang' ORDER BY id")
        audited = cur.fetchall()
    conn.close()
    assert [action for _, action in audited if action.startswith("user_")] == [
        "user_add", "user_disable", "user_enable", "user_password",
    ]  # fmt: skip
    assert audited[0][0] == "root"
    assert all(actor.startswith("cli:") for actor, _ in audited[1:])


def test_set_role_changes_the_role_audited(url):
    added = _minqing(
        url, "add", "zhao", "--name", "赵六", "--role", "leader", "--area", "620102",
        "--sso-only",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    changed = _minqing(url, "set-role", "zhao", "--role", "gis_staff", "--by", "root")
    assert changed.returncode == 0 and changed.stdout.strip() == "zhao is now gis_staff"
    assert "\tgis_staff\t" in next(
        line for line in _minqing(url, "list").stdout.splitlines() if line.startswith("zhao")
    )
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT actor, detail FROM audit_log WHERE action = 'user_role'")
        assert cur.fetchall() == [
            ("root", {"from": "leader", "to": "gis_staff", "center_from": None,
                      "center_code": None}),
        ]  # fmt: skip
    conn.close()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add", "li", "--name", "李", "--role", "leader", "--area", "000000",
          "--password-stdin"), SECRET, "no area '000000'"),
        (("add", "li", "--name", "李", "--role", "leader", "--area", "620102",
          "--password-stdin"), "short", "at least 8 characters"),
        (("add", "x'; DROP TABLE users;--", "--name", "李", "--role", "leader", "--area",
          "620102", "--password-stdin"), SECRET, "a username has"),
        (("add", "li", "--name", "李", "--role", "leader", "--area", "620102001001001",
          "--password-stdin"), SECRET, "not a grid"),
        (("add", "op", "--name", "受理员", "--role", "operator", "--area", "620102",
          "--password-stdin"), SECRET, "an operator belongs to one center"),
        (("disable", "nobody"), "", "no user 'nobody'"),
        (("set-password", "nobody", "--password-stdin"), SECRET, "no user 'nobody'"),
        (("set-role", "nobody", "--role", "leader"), "", "no user 'nobody'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_1(url, args, stdin, message):
    result = _minqing(url, *args, stdin=stdin + "\n")
    assert result.returncode == 1
    assert result.stderr.startswith("minqing: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout
