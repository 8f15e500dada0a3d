"""`minqing clients`: accounts of the systems that call the map service (see docs/api.md)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import click
import psycopg2.extensions

from geo import db
from geo.mapapi.clients import (
    DEFAULT_RATE,
    ROLES,
    add_client,
    list_clients,
    rotate_token,
    set_disabled,
)
from geo.settings import get_settings
from geo.timeutil import format_cst
from geo.vocabulary import SOURCES


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


def _show_token(token: str) -> None:
    click.echo(f"token (shown once, keep it secret): {token}")


@click.group("clients")
def clients_group() -> None:
    """API clients of the map service: role, area, sources, rate limit, token."""


@clients_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="reader: reads collections and tiles; source: also pushes reports.",
)
@click.option("--area", "area_code", required=True, help="Area code the client is scoped to.")
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(list(SOURCES)),
    help="A source the client pushes reports for (repeatable; role source).",
)
@click.option(
    "--rate",
    "rate",
    type=int,
    default=DEFAULT_RATE,
    show_default=True,
    help="Requests a minute before 429 Too Many Requests.",
)
@click.option("--note", default="", help="What the client is, e.g. 省平台.")
@click.option("--by", default=None, help="Who adds the client (default: cli:<login name>).")
def clients_add(
    name: str, role: str, area_code: str, sources: tuple[str, ...], rate: int, note: str,
    by: str | None,
) -> None:  # fmt: skip
    """Add a client and print its token once (only a hash of it is kept).

    \b
    Example:
      minqing clients add hotline --role source --area 620100 --source hotline_12345
      minqing clients add chengguan-gis --role reader --area 620102
    """
    with _transaction() as conn:
        client, token = add_client(conn, name, role, area_code, sources, rate, note, _actor(by))
    where = f"{client.area_level} {client.area_code}"
    click.echo(f"added client {client.name} ({client.role}, {where})")
    _show_token(token)


@clients_group.command("list")
def clients_list() -> None:
    """List the clients (never their tokens).

    \b
    Example:
      minqing clients list
    """
    with _transaction() as conn:
        rows = list_clients(conn)
    for row in rows:
        c = row.client
        state = "disabled" if row.disabled else "enabled"
        sources = ",".join(c.sources) or "-"
        click.echo(
            f"{c.name}\t{c.role}\t{c.area_level}:{c.area_code}\t{sources}\t"
            f"{c.rate_per_minute}/min\t{state}\t{format_cst(row.updated_at)}\t{row.note}"
        )


@clients_group.command("disable")
@click.argument("name")
@click.option("--by", default=None, help="Who disables the client.")
def clients_disable(name: str, by: str | None) -> None:
    """Disable a client: its token is refused from the next request on.

    \b
    Example:
      minqing clients disable chengguan-gis
    """
    with _transaction() as conn:
        set_disabled(conn, name, True, _actor(by))
    click.echo(f"client {name} disabled")


@clients_group.command("enable")
@click.argument("name")
@click.option("--by", default=None, help="Who enables the client.")
def clients_enable(name: str, by: str | None) -> None:
    """Enable a disabled client again (with the token it had).

    \b
    Example:
      minqing clients enable chengguan-gis
    """
    with _transaction() as conn:
        set_disabled(conn, name, False, _actor(by))
    click.echo(f"client {name} enabled")


@clients_group.command("rotate")
@click.argument("name")
@click.option("--by", default=None, help="Who rotates the token.")
def clients_rotate(name: str, by: str | None) -> None:
    """Give a client a new token and print it once; the old one stops working at once.

    \b
    Example:
      minqing clients rotate hotline
    """
    with _transaction() as conn:
        token = rotate_token(conn, name, _actor(by))
    _show_token(token)
