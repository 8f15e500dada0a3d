"""`minqing assess`: the scorecards of a period (一体考评), stored and written to Excel."""

from __future__ import annotations

import re
from pathlib import Path

import click

from geo.assess.measure import LEVELS
from geo.assess.sheet import LEVEL_ZH


@click.command("assess")
@click.option("--period", required=True, help="A CST month such as 2026-10 (or a week, a range).")
@click.option(
    "--level", "levels", multiple=True, type=click.Choice(LEVELS),
    help="Only these levels in the workbook (repeatable; default: all).",
)  # fmt: skip
@click.option("--area", default=None, help="Only the centers and grids of this area (its code).")
@click.option(
    "--out", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
    help="Folder for the workbook.",
)  # fmt: skip
@click.option("--no-store", is_flag=True, help="Write the workbook only; keep no scorecards.")
def assess_command(
    period: str, levels: tuple[str, ...], area: str | None, out_dir: str, no_store: bool
) -> None:
    """Score every center of the four levels and every grid over a period, rank them among
    their peers, store the scorecards and write them as an Excel workbook.

    The period's scorecards are stored for the whole city (the drill-down and the safety
    report read them); --area and --level only choose what the workbook lists.

    \b
    Example:
      minqing assess --period 2026-10
      minqing assess --period 2026-10 --area 620102 --level command_post --level workstation
    """
    from geo import db
    from geo.assess.rules import load_rules
    from geo.assess.score import compute_scorecards, ranked
    from geo.assess.sheet import assessment_workbook
    from geo.assess.store import store_scorecards
    from geo.drill import queries as drill
    from geo.drill.step import AreaNotFound
    from geo.filters import parse_period
    from geo.settings import get_settings
    from geo.timeutil import now_utc

    now = now_utc()
    chosen = parse_period(period, now)
    rules = load_rules()
    conn = db.connect(db.database_url(get_settings()))
    try:
        node = drill.area_node(conn, area)
        if node is None:
            raise AreaNotFound(f"no current area has the code {area!r}")
        every = compute_scorecards(conn, chosen, now, rules=rules)
        if not no_store:
            store_scorecards(conn, chosen, every, rules, now)
        conn.commit()
    finally:
        conn.close()
    listed = [c for c in every if c.subject.in_scope(node.scope)]
    cards = ranked([c for c in listed if not levels or c.subject.level in levels])
    title = f"{node.name}一体考评 · {chosen.key}"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / (
        re.sub(r"[^\w.-]+", "_", f"一体考评_{node.name}_{node.code}_{chosen.key}") + ".xlsx"
    )
    path.write_bytes(assessment_workbook(cards, rules, title))
    scored = [c for c in cards if c.score is not None]
    for level in LEVELS:
        mine = [c for c in scored if c.subject.level == level]
        if mine:
            best = min(mine, key=lambda c: c.rank or 0)
            click.echo(
                f"{LEVEL_ZH[level]}: {len(mine):,} scored, best {best.subject.name} "
                f"{best.score:.1f}, mean {sum(c.score for c in mine) / len(mine):.1f}"
            )
    unscored = len(cards) - len(scored)
    if unscored:
        click.echo(f"{unscored:,} without a score (no cases, or too few to rate)")
    if not no_store:
        click.echo(f"stored the scorecards of {chosen.key} (rules {rules.version})")
    click.echo(f"wrote {path}")
