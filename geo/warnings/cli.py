"""`minqing warnings`: scan for early warnings, list them, and act on one."""

from __future__ import annotations

import getpass

import click

from geo import db
from geo.settings import get_settings
from geo.timeutil import format_cst
from geo.vocabulary import category_label
from geo.warnings import actions
from geo.warnings.queries import ACTIVE, list_warnings
from geo.warnings.rules import KINDS, load_rules
from geo.warnings.scan import scan_warnings

STATUSES = (*ACTIVE, "closed")


@click.group("warnings")
def warnings_group() -> None:
    """Early warnings (预警单): scan the incidents, list warnings, act on them."""


@warnings_group.command("scan")
def scan() -> None:
    """Run every warning rule now; new warnings are raised, active ones updated.

    \b
    Example:
      minqing warnings scan
    """
    conn = db.connect(db.database_url(get_settings()))
    try:
        result = scan_warnings(conn)
        conn.commit()
    finally:
        conn.close()
    for line in result.lines():
        click.echo(line)


@warnings_group.command("list")
@click.option(
    "--status", "statuses", multiple=True, type=click.Choice(STATUSES),
    help="Statuses to list (repeatable; default: all but closed).",
)  # fmt: skip
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Kinds to list.")
@click.option("--area", default=None, help="Only warnings in this area (code).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--en", "english", is_flag=True, help="Reasons in English.")
def list_command(
    statuses: tuple[str, ...], kinds: tuple[str, ...], area: str | None, limit: int,
    english: bool,
) -> None:  # fmt: skip
    """List warnings, newest first: id, status, kind, area, reason with its figures.

    \b
    Example:
      minqing warnings list --status new --kind grid_surge
    """
    lang = "en" if english else "zh"
    rules = load_rules()
    conn = db.connect(db.database_url(get_settings()))
    try:
        found = list_warnings(conn, statuses or ACTIVE, kinds, area, limit)
    finally:
        conn.close()
    for w in found:
        reason = rules.reason(
            w.kind, w.figures, lang,
            category=category_label(w.category, lang) if w.category else "",
            address=w.address or "",
        )  # fmt: skip
        click.echo(
            f"#{w.id}\t{w.status}\t{w.kind}\t{w.area_code} {w.path_text()}\t"
            f"{format_cst(w.detected_at)}\t{reason}"
        )
    if not found:
        click.echo("no warnings")


def _act(action: str, warning_id: int, **kwargs: str) -> None:
    conn = db.connect(db.database_url(get_settings()))
    try:
        getattr(actions, action)(conn, warning_id, **kwargs)
        conn.commit()
    finally:
        conn.close()
    click.echo(f"warning {warning_id}: {actions.TO_STATUS[action]}")


@warnings_group.command("acknowledge")
@click.argument("warning_id", type=int)
@click.option("--by", "actor", default=None, help="Who (default: the login name).")
@click.option("--note", default="")
def acknowledge_command(warning_id: int, actor: str | None, note: str) -> None:
    """Acknowledge a new warning (签收).

    \b
    Example:
      minqing warnings acknowledge 12 --by 王敏
    """
    _act("acknowledge", warning_id, actor=actor or getpass.getuser(), note=note)


@warnings_group.command("assign")
@click.argument("warning_id", type=int)
@click.argument("center")
@click.option("--by", "actor", default=None, help="Who (default: the login name).")
@click.option("--note", default="")
def assign_command(warning_id: int, center: str, actor: str | None, note: str) -> None:
    """Assign a warning to a center (交办).

    \b
    Example:
      minqing warnings assign 12 SC620102 --note "请核查"
    """
    _act("assign", warning_id, center_code=center, actor=actor or getpass.getuser(), note=note)


@warnings_group.command("close")
@click.argument("warning_id", type=int)
@click.option("--note", required=True, help="What was done (required).")
@click.option("--by", "actor", default=None, help="Who (default: the login name).")
def close_command(warning_id: int, note: str, actor: str | None) -> None:
    """Close a warning with a note.

    \b
    Example:
      minqing warnings close 12 --note "已上门核查，系物业停水"
    """
    _act("close", warning_id, actor=actor or getpass.getuser(), note=note)
