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
from geo.assess.cli import assess_command
from geo.auth.cli import users_group
from geo.errors import MinqingError
from geo.forecast.cli import forecast_group
from geo.ingest.cli import incidents_group
from geo.mapapi.cli import clients_group
from geo.migrate import migrate
from geo.publish.cli import publish_group
from geo.settings import PROJECT_ROOT, get_settings, hide_password
from geo.warnings.cli import warnings_group
from geo.workflow.cli import workflow_group


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


def _clear_group(group: click.Group) -> click.Group:
    """A command group from another module whose commands report errors as `_clear_errors`."""
    for command in group.commands.values():
        if command.callback is not None:
            command.callback = _clear_errors(command.callback)
    return group


def _clear_command(command: click.Command) -> click.Command:
    """A command from another module that reports errors as `_clear_errors`."""
    if command.callback is not None:
        command.callback = _clear_errors(command.callback)
    return command


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
        return [f"{m.version:03d}_{m.name}" for m in migrate(conn, progress=click.echo)]
    finally:
        conn.close()


@main.command("run")
@click.option("--port", default=8501, show_default=True, help="Port of the dashboard.")
@click.option("--headless/--no-headless", default=True, help="Do not open a browser.")
@click.option(
    "--address",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 for every interface, e.g. behind no gateway).",
)
@click.option("--service-port", default=8502, show_default=True, help="Port of the map service.")
@_clear_errors
def run(port: int, headless: bool, address: str, service_port: int) -> None:
    """Start the database, migrate, seed the demo when empty, and open the dashboard and the
    map service beside it.

    \b
    Example:
      minqing run --port 8501 --service-port 8502
      minqing run --address 10.20.0.7 --port 8501
    """
    settings = get_settings()
    if settings.uses_local_cluster:
        state = db.local_cluster(settings).up(already_running_ok=True)
        click.echo(f"local database on 127.0.0.1:{state.port}")
    _migrate()
    from geo.auth.demo import (
        DEMO_PASSWORD,
        accounts_with_demo_password,
        ensure_demo_users,
        needs_demo_accounts,
    )
    from geo.auth.login import apply_login_policy
    from geo.demo.load import demo_is_loaded, seed_demo
    from geo.warnings import scan_warnings

    url = db.database_url(settings)
    conn = db.connect(url)
    try:
        if not demo_is_loaded(conn):
            click.echo("seeding the Lanzhou demo (first run only) …")
            seed_demo(conn, progress=click.echo, pool=db.get_pool(url))
            # so that the warnings page and layer have something to show from the start
            click.echo("scanning for early warnings …")
            scan_warnings(conn)
            conn.commit()
        if needs_demo_accounts(conn):
            ensure_demo_users(conn)  # named with their password just below
            conn.commit()
        apply_login_policy(conn, settings)
        conn.commit()
        if demo := accounts_with_demo_password(conn):
            click.echo(
                f"demo accounts {', '.join(demo)}: password {DEMO_PASSWORD!r} "
                "(demo only: change or disable them with `minqing users`)"
            )
    finally:
        conn.close()
    db.connect(db.app_database_url(settings)).close()  # the pages' login works, or say why
    db.close_pools()
    from service.serve import start_beside

    # the service listens where --address says, else where MINQING_SERVICE_HOST does
    given = click.get_current_context().get_parameter_source("address")
    service_url = start_beside(
        service_port, None if given == click.core.ParameterSource.DEFAULT else address
    )
    click.echo(f"map service on {service_url} (API documentation: {service_url}/api.html)")
    args = dashboard_command(port, headless, address)
    os.execv(sys.executable, args)


def dashboard_command(port: int, headless: bool, address: str) -> list[str]:
    """The command that serves the dashboard (through `dashboard.serve`, see its docstring)."""
    return [
        sys.executable,
        "-m",
        "dashboard.serve",
        "run",
        str(PROJECT_ROOT / "streamlit_app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
        "--server.address",
        address,
    ]


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
    from geo.auth.demo import ensure_demo_users
    from geo.demo.load import seed_demo

    _migrate()
    url = db.database_url(get_settings())
    conn = db.connect(url)
    try:
        seed_demo(
            conn,
            incidents=incidents,
            seed=seed,
            scale=scale,
            progress=click.echo,
            pool=db.get_pool(url),
        )
        ensure_demo_users(conn, progress=click.echo)
        conn.commit()
    finally:
        conn.close()


@demo_group.command("stream")
@click.option(
    "--rate", default=1.0, show_default=True, type=click.FloatRange(min=0.001),
    help="New incidents per second (about three status changes follow each).",
)  # fmt: skip
@click.option("--seed", "seed", default=1, show_default=True, help="Random seed.")
@click.option("--seconds", type=float, default=None, help="Stop after this long (default: Ctrl-C).")
@_clear_errors
def demo_stream(rate: float, seed: int, seconds: float | None) -> None:
    """Feed new incidents and status changes into the database, live, for the live map.

    \b
    Example:
      minqing demo stream --rate 2
    """
    from geo.demo.stream import run_stream

    conn = db.connect(db.database_url(get_settings()))
    click.echo(f"streaming about {rate:g} incidents a second (Ctrl-C to stop) …")
    try:
        counts = run_stream(conn, rate, seed, seconds, report=click.echo)
    except KeyboardInterrupt:
        counts = None
    finally:
        conn.close()
    if counts is not None:
        click.echo(counts.line())


@main.group("grids")
def grids_group() -> None:
    """Boundary files from GIS staff: check, publish, list versions, roll back, export."""


@grids_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--level",
    type=click.Choice(["street", "community", "grid"]),
    default="grid",
    show_default=True,
    help="Which level the file holds.",
)
@click.option("--layer", help="Layer to read (GeoPackage, KML, a zip with several files).")
@click.option("--crs", "crs", help="Source CRS when the file names none, e.g. EPSG:4544, GCJ02.")
@click.option("--encoding", help="Attribute text encoding, e.g. GBK (default: detect).")
@click.option("--gcj02", is_flag=True, help="Coordinates are GCJ-02 (AMap/Tencent): correct them.")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="ROLE=FIELD",
    help="Field for a role: code, name, parent, kind, population (repeatable).",
)
@click.option("--parent-from-code", is_flag=True, help="Parent code = code minus 3 digits.")
@click.option("--repair", is_flag=True, help="Repair invalid geometries with make_valid.")
@click.option("--clip", is_flag=True, help="Clip areas that overflow their parent.")
@click.option("--partial", is_flag=True, help="Replace only the areas of the parents in the file.")
@click.option("--dry-run", is_flag=True, help="Check and report only; publish nothing.")
@click.option(
    "--allow-removal",
    is_flag=True,
    help="Publish even though current areas the file lacks are deleted (their incidents move).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write the full report (problems, repairs, diff) as JSON.",
)
@click.option("--by", "actor", default=None, help="Who publishes (default: the login name).")
@click.option("--note", default="", help="A note kept with the version.")
@_clear_errors
def grids_import(
    path: str,
    level: str,
    layer: str | None,
    crs: str | None,
    encoding: str | None,
    gcj02: bool,
    mapping: tuple[str, ...],
    parent_from_code: bool,
    repair: bool,
    clip: bool,
    partial: bool,
    dry_run: bool,
    allow_removal: bool,
    report_path: str | None,
    actor: str | None,
    note: str,
) -> None:
    """Read, check and publish a boundary file (GeoJSON, zipped Shapefile, GeoPackage, KML).

    Exits 1 without publishing when the file has errors; --report says what and where.
    A file lacking current areas (e.g. one district's export uploaded as the whole level)
    would delete them: refused with their names and incidents unless --allow-removal.

    \b
    Example:
      minqing grids import 城关区网格.zip --level grid --encoding GBK --dry-run --report r.json
      minqing grids import grids.gpkg --layer 网格 --crs EPSG:4544 --by 张工
    """  # fmt: skip
    import getpass
    from pathlib import Path

    from geo.boundaries.cli_support import import_file

    conn = db.connect(db.database_url(get_settings()))
    try:
        ok = import_file(
            conn, Path(path), level=level, layer=layer, crs=crs, encoding=encoding, gcj02=gcj02,
            mapping=mapping, parent_from_code=parent_from_code, repair=repair, clip=clip,
            partial=partial, dry_run=dry_run, allow_removal=allow_removal, report_path=report_path,
            actor=actor or getpass.getuser(), note=note, echo=click.echo,
        )  # fmt: skip
    finally:
        conn.close()
    if not ok:
        sys.exit(1)


@grids_group.command("versions")
@_clear_errors
def grids_versions() -> None:
    """List boundary versions and the audit trail of publications and rollbacks.

    \b
    Example:
      minqing grids versions
    """
    from geo.boundaries.cli_support import version_lines

    conn = db.connect(db.database_url(get_settings()))
    try:
        for line in version_lines(conn):
            click.echo(line)
    finally:
        conn.close()


@grids_group.command("rollback")
@click.argument("version", type=int)
@click.option("--by", "actor", default=None, help="Who rolls back (default: the login name).")
@click.option("--note", default="", help="Why.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_clear_errors
def grids_rollback(version: int, actor: str | None, note: str, yes: bool) -> None:
    """Make an earlier boundary version current again (incidents re-assigned).

    \b
    Example:
      minqing grids rollback 3 --by 张工 --note "新版有误"
    """
    import getpass

    from geo.boundaries.publish import rollback

    if not yes:
        click.confirm(f"roll back to boundary version {version}?", abort=True)
    conn = db.connect(db.database_url(get_settings()))
    try:
        result = rollback(conn, version, actor or getpass.getuser(), note)
    finally:
        conn.close()
    moved = result.reassigned
    click.echo(
        f"版本 {result.version_id} 已成为当前版本（原为 {result.previous_version_id}）；"
        f"重新分配诉求 {moved.moved:,} 条，待核查 {moved.unplaced:,} 条，"
        f"用时 {result.seconds:.1f} s"
    )


@grids_group.command("export")
@click.argument("target", type=click.Path(dir_okay=False))
@click.option(
    "--level",
    type=click.Choice(["district", "street", "community", "grid"]),
    default="grid",
    show_default=True,
)
@_clear_errors
def grids_export(target: str, level: str) -> None:
    """Write the current areas of a level to .geojson, .gpkg or a zipped Shapefile (.zip).

    \b
    Example:
      minqing grids export grids.gpkg --level grid
    """
    from pathlib import Path

    from geo.boundaries.export import export_level

    conn = db.connect(db.database_url(get_settings()))
    try:
        count = export_level(conn, level, Path(target))
    finally:
        conn.close()
    click.echo(f"wrote {count:,} {level} areas to {target}")


@main.command("report")
@click.option("--area", "area", default=None, help="Area code (default: the whole city).")
@click.option(
    "--period",
    required=True,
    help="2026-10, 2026-W43, 2026-10-01..2026-10-31 (CST); an unfinished one runs to today 0:00.",
)
@click.option(
    "--out",
    "out_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the files.",
)
@click.option("--html", is_flag=True, help="Also write the printable HTML.")
@_clear_errors
def report(area: str | None, period: str, out_dir: str, html: bool) -> None:
    """Write the safety report (平安报表) of an area and period: Excel workbook and PDF.

    \b
    Example:
      minqing report --area 620102 --period 2026-10 --out reports/
    """
    from pathlib import Path

    from geo.reports.write import write_report
    from geo.timeutil import now_utc

    conn = db.connect(db.database_url(get_settings()))
    try:
        written = write_report(conn, area, period, Path(out_dir), now_utc(), html=html)
    finally:
        conn.close()
    for path in written.files:
        click.echo(f"wrote {path}")
    click.echo(f"report made in {written.seconds:.1f} s")


main.add_command(_clear_group(workflow_group))
main.add_command(_clear_group(incidents_group))
main.add_command(_clear_group(warnings_group))
main.add_command(_clear_group(users_group))
main.add_command(_clear_group(clients_group))
main.add_command(_clear_command(assess_command))
main.add_command(_clear_group(forecast_group))
main.add_command(_clear_group(publish_group))

if __name__ == "__main__":
    main()
