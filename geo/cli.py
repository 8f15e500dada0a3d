"""The `minqing` command: the local database, migrations, the demo, and running the dashboard."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
import psycopg2

from geo import db
from geo.errors import MinqingError
from geo.migrate import migrate
from geo.settings import PROJECT_ROOT, get_settings, hide_password


def _clear_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the project's errors (and stray driver errors) into one line and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MinqingError as exc:
            click.echo(f"minqing: {exc}", err=True)
            sys.exit(1)
        except psycopg2.Error as exc:
            first = (exc.pgerror or str(exc)).strip().splitlines()
            click.echo(f"minqing: database error: {first[0] if first else exc}", err=True)
            sys.exit(1)
        finally:
            db.close_pools()

    return wrapper


@click.group()
def main() -> None:
    """民情地图 (Minqing Map): grid governance map service.

    \b
    Example:
      minqing db up && minqing db migrate && minqing demo seed
    """


@main.group("db")
def db_group() -> None:
    """The database: the self-managed local PostGIS, or DATABASE_URL when set."""


@db_group.command("up")
@_clear_errors
def db_up() -> None:
    """Create (first time) and start the local PostgreSQL + PostGIS cluster.

    \b
    Example:
      minqing db up
    """
    settings = get_settings()
    if not settings.uses_local_cluster:
        raise MinqingError("DATABASE_URL is set: the local database is not used")
    state = db.local_cluster(settings).up()
    click.echo(f"local database running on 127.0.0.1:{state.port} (data in {state.data_dir})")


@db_group.command("down")
@_clear_errors
def db_down() -> None:
    """Stop the local cluster.

    \b
    Example:
      minqing db down
    """
    stopped = db.local_cluster(get_settings()).down()
    click.echo("local database stopped" if stopped else "local database was not running")


@db_group.command("status")
@_clear_errors
def db_status() -> None:
    """Say which database is in use and whether it answers; exit 1 when it does not.

    \b
    Example:
      minqing db status
    """
    settings = get_settings()
    url = db.database_url(settings)
    where = "DATABASE_URL" if settings.database_url else "local cluster"
    with db.connect(url) as conn:
        version = db.check_postgis(conn)
    conn.close()
    click.echo(f"{where}: {hide_password(url)} answers (PostGIS {version})")


@db_group.command("url")
@click.option("--show-password", is_flag=True, help="Print the password too (for other tools).")
@_clear_errors
def db_url(show_password: bool) -> None:
    """Print the URL of the database in use (password hidden unless asked).

    \b
    Example:
      psql "$(minqing db url --show-password)"
    """
    url = db.database_url(get_settings())
    click.echo(url if show_password else hide_password(url))


@db_group.command("migrate")
@_clear_errors
def db_migrate() -> None:
    """Apply pending schema migrations (re-running is a no-op).

    \b
    Example:
      minqing db migrate
    """
    applied = _migrate()
    if applied:
        click.echo("applied: " + ", ".join(applied))
    else:
        click.echo("schema is up to date")


def _migrate() -> list[str]:
    url = db.database_url(get_settings())
    conn = db.connect(url)
    try:
        db.check_postgis(conn)
        conn.commit()
        return [f"{m.version:03d}_{m.name}" for m in migrate(conn)]
    finally:
        conn.close()


@main.command("run")
@click.option("--port", default=8501, show_default=True, help="Port of the dashboard.")
@click.option("--headless/--no-headless", default=True, help="Do not open a browser.")
@_clear_errors
def run(port: int, headless: bool) -> None:
    """Start the database, migrate, seed the demo when empty, and open the dashboard.

    \b
    Example:
      minqing run --port 8501
    """
    settings = get_settings()
    if settings.uses_local_cluster:
        state = db.local_cluster(settings).up(already_running_ok=True)
        click.echo(f"local database on 127.0.0.1:{state.port}")
    _migrate()
    from geo.demo.load import demo_is_loaded, seed_demo

    conn = db.connect(db.database_url(settings))
    try:
        if not demo_is_loaded(conn):
            click.echo("seeding the Lanzhou demo (first run only) …")
            seed_demo(conn, progress=click.echo)
    finally:
        conn.close()
    db.close_pools()
    args = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "streamlit_app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
    ]
    os.execv(sys.executable, args)


@main.group("demo")
def demo_group() -> None:
    """The Lanzhou demo data."""


@demo_group.command("seed")
@click.option("--incidents", default=200_000, show_default=True, help="Incidents to generate.")
@click.option("--seed", "seed", default=2026, show_default=True, help="Random seed.")
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    help="Fraction of the real grid counts (1.0 ≈ 110 streets, 1,086 communities, 7,507 grids).",
)
@_clear_errors
def demo_seed(incidents: int, seed: int, scale: float) -> None:
    """Replace all data with the generated Lanzhou demo (deterministic for a seed).

    \b
    Example:
      minqing demo seed --incidents 2400000 --seed 7
    """
    from geo.demo.load import seed_demo

    _migrate()
    conn = db.connect(db.database_url(get_settings()))
    try:
        seed_demo(conn, incidents=incidents, seed=seed, scale=scale, progress=click.echo)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
