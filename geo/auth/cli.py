"""`minqing users`: add, list, disable, enable and set passwords of dashboard users."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
import psycopg2.extensions

from geo import db
from geo.auth import ROLES
from geo.auth.passwords import check_strength
from geo.auth.users import add_user, list_users, set_disabled, set_password, set_role
from geo.settings import get_settings


def _password(from_stdin: bool) -> str:
    """A new password from standard input (first line) or a hidden prompt, never echoed."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    check_strength(password)
    return password


@contextmanager
def _transaction() -> Iterator[psycopg2.extensions.connection]:
    conn = db.connect(db.database_url(get_settings()))
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def _actor(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


@click.group("users")
def users_group() -> None:
    """Dashboard users: roles, areas, passwords (see docs/auth.md)."""


@users_group.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name, e.g. 张三.")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may open.")
@click.option("--area", "area_code", required=True, help="Area code of the current boundaries.")
@click.option(
    "--center",
    "center_code",
    default=None,
    help="The center the user belongs to (required for operators; serves the area or below).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--sso-only", is_flag=True, help="No password: signs in through the SSO gateway.")
@click.option("--by", default=None, help="Who adds the user (default: cli:<login name>).")
def users_add(
    username: str,
    display_name: str,
    role: str,
    area_code: str,
    center_code: str | None,
    password_stdin: bool,
    sso_only: bool,
    by: str | None,
) -> None:
    """Add a user bound to an area (city, district, street or community).

    \b
    Example:
      minqing users add zhangsan --name 张三 --role leader --area 620102
      echo "$PW" | minqing users add op1 --name 李四 --role operator --area 620100 \\
          --center city-620100 --password-stdin
    """
    password = None if sso_only else _password(password_stdin)
    with _transaction() as conn:
        user = add_user(
            conn, username, display_name, role, area_code, password, center_code, _actor(by)
        )
    click.echo(f"added {user.username} ({user.role}, {user.area_level} {user.area_code})")


@users_group.command("list")
def users_list() -> None:
    """List users: role, area, state.

    \b
    Example:
      minqing users list
    """
    with _transaction() as conn:
        rows = list_users(conn)
    for row in rows:
        user = row.user
        state = "disabled" if row.disabled else "active"
        if not row.has_password:
            state += ", sso only"
        center = f" center {user.center_code}" if user.center_code else ""
        click.echo(
            f"{user.username}\t{user.display_name}\t{user.role}\t"
            f"{user.area_level} {user.area_code}{center}\t{state}"
        )


@users_group.command("disable")
@click.argument("username")
@click.option("--by", default=None, help="Who disables (default: cli:<login name>).")
def users_disable(username: str, by: str | None) -> None:
    """Disable a user: sign-in refused and every open session ended.

    \b
    Example:
      minqing users disable zhangsan
    """
    with _transaction() as conn:
        set_disabled(conn, username, True, _actor(by))
    click.echo(f"disabled {username}")


@users_group.command("enable")
@click.argument("username")
@click.option("--by", default=None, help="Who enables (default: cli:<login name>).")
def users_enable(username: str, by: str | None) -> None:
    """Enable a disabled user again.

    \b
    Example:
      minqing users enable zhangsan
    """
    with _transaction() as conn:
        set_disabled(conn, username, False, _actor(by))
    click.echo(f"enabled {username}")


@users_group.command("set-role")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The new role.")
@click.option(
    "--center",
    "center_code",
    default=None,
    help="The center the user belongs to (required for operators; serves the area or below).",
)
@click.option("--by", default=None, help="Who changes it (default: cli:<login name>).")
def users_set_role(username: str, role: str, center_code: str | None, by: str | None) -> None:
    """Change a user's role (and center), audited; the last admin keeps the role.

    \b
    Example:
      minqing users set-role lisi --role operator --center post-620102001
    """
    with _transaction() as conn:
        set_role(conn, username, role, center_code, _actor(by))
    click.echo(f"{username} is now {role}")


@users_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--by", default=None, help="Who sets it (default: cli:<login name>).")
def users_set_password(username: str, password_stdin: bool, by: str | None) -> None:
    """Set a user's password (ends the user's sessions and any lockout).

    \b
    Example:
      minqing users set-password zhangsan
    """
    password = _password(password_stdin)
    with _transaction() as conn:
        set_password(conn, username, password, _actor(by))
    click.echo(f"password of {username} set")
