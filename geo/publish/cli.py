"""`minqing publish`: the safety reports published on a schedule (定期发布平安报表)."""

from __future__ import annotations

import getpass
from pathlib import Path

import click


@click.group("publish")
def publish_group() -> None:
    """定期发布: safety reports made when their period closes, kept with their rules."""


@publish_group.command("due")
def publish_due_command() -> None:
    """Make the scheduled reports whose period has closed and that are not published yet
    (what `minqing workflow tick` does; rules in geo/rules/publishing.toml).

    \b
    Example:
      minqing publish due
    """
    from geo import db
    from geo.publish.publish import publish_due
    from geo.settings import get_settings
    from geo.timeutil import now_utc

    conn = db.connect(db.database_url(get_settings()))
    try:
        made = publish_due(conn, now_utc(), progress=click.echo)
    finally:
        conn.close()
    for report in made:
        click.echo(report.line())
    if not made:
        click.echo("nothing to publish: every closed period's reports are published")


@publish_group.command("list")
@click.option("--area", default=None, help="Only this area's reports (its code).")
@click.option("--kind", type=click.Choice(["month", "week"]), default=None)
def publish_list(area: str | None, kind: str | None) -> None:
    """List the published reports, newest period first, every version.

    \b
    Example:
      minqing publish list --area 620102
    """
    from geo import db
    from geo.publish.store import list_reports
    from geo.settings import get_settings
    from geo.timeutil import format_cst
    from geo.vocabulary import INDEX_MARKS, index_text

    conn = db.connect(db.database_url(get_settings()))
    try:
        reports = list_reports(conn, kind, area)
    finally:
        conn.close()
    for r in reports:
        index = r.summary.get("index")
        band = r.summary.get("band")
        shown = f"{index_text(index)} {band}" if index is not None else INDEX_MARKS["unrated"].zh
        why = f" — {r.made_by}: {r.reason}" if r.version > 1 else ""
        click.echo(
            f"{r.id:>6}  {r.period_key:<9} {r.area_name}({r.area_code}) v{r.version}  "
            f"平安指数 {shown}  {format_cst(r.made_at)}{why}"
        )
    if not reports:
        click.echo("no published report")


@publish_group.command("remake")
@click.option("--area", required=True, help="The area's code (the city or a district).")
@click.option("--period", required=True, help="The month (2026-10) or week (2026-W43).")
@click.option("--reason", required=True, help="Why it is made again (kept with it).")
@click.option("--by", "actor", default=None, help="Who makes it again (default: the login name).")
def publish_remake(area: str, period: str, reason: str, actor: str | None) -> None:
    """Make a published report again from today's data and rules, as a new version; the old
    versions stay, and who and why are recorded with it and in the audit log.

    \b
    Example:
      minqing publish remake --area 620102 --period 2026-10 --reason "补录10月漏报案件"
    """
    from geo import db
    from geo.publish.publish import remake
    from geo.settings import get_settings
    from geo.timeutil import now_utc

    conn = db.connect(db.database_url(get_settings()))
    try:
        made = remake(conn, area, period, actor or getpass.getuser(), reason, now_utc())
    finally:
        conn.close()
    click.echo(made.line())


@publish_group.command("get")
@click.argument("report_id", type=int)
@click.option(
    "--out", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
    help="Folder for the files.",
)  # fmt: skip
def publish_get(report_id: int, out_dir: str) -> None:
    """Write a published report's workbook and PDF into a folder.

    \b
    Example:
      minqing publish get 12 --out reports/
    """
    from geo import db
    from geo.errors import MinqingError
    from geo.publish.store import report_file
    from geo.settings import get_settings

    conn = db.connect(db.database_url(get_settings()))
    try:
        files = [report_file(conn, report_id, kind) for kind in ("xlsx", "pdf")]
    finally:
        conn.close()
    if files[0] is None:
        raise MinqingError(f"no published report has the id {report_id}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (out / name).write_bytes(data)
        click.echo(f"wrote {out / name}")
