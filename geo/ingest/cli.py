"""`minqing incidents`: importing the sources' exports."""

from __future__ import annotations

import getpass
import sys
import time
from pathlib import Path

import click

from geo.errors import DataError
from geo.ingest.sources import REQUIRED, IntakeRules
from geo.vocabulary import SOURCES


@click.group("incidents")
def incidents_group() -> None:
    """Incident reports from the eight sources (12345, 110, 信访 …)."""


@incidents_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", required=True, help=f"Where the file comes from: {', '.join(SOURCES)}.")
@click.option("--encoding", help="Text encoding, e.g. GBK (default: UTF-8 or GB18030, detected).")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl", "geojson"]),
    help="File format (default: from the extension).",
)  # fmt: skip
@click.option(
    "--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rows not taken, each with its reason, to this CSV file.",
)  # fmt: skip
@click.option(
    "--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file overriding the column mapping (layout of geo/rules/intake_sources.toml).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Check and count only; store nothing.")
@click.option("--partial", is_flag=True, help="Store the good rows even when some are rejected.")
@click.option(
    "--exit-zero", is_flag=True, help="Exit with status 0 even when rows were rejected.",
)  # fmt: skip
@click.option("--by", "actor", default=None, help="Who imports (default: the login name).")
def import_incidents(
    path: Path,
    source: str,
    encoding: str | None,
    fmt: str | None,
    rejects_path: Path | None,
    mapping: Path | None,
    dry_run: bool,
    partial: bool,
    exit_zero: bool,
    actor: str | None,
) -> None:
    """Import a CSV, JSON-lines or GeoJSON export of a source, in one transaction.

    All or nothing: when any row is rejected, nothing is stored; --partial stores the good
    rows. Every rejected row is listed with its line and reason (all of them with --rejects).
    Re-importing a file adds nothing.

    \b
    Exit status: 0 every row taken (or a duplicate); 1 the file could not be read or the
    database refused it, or rows were rejected and nothing was stored; 3 rows were rejected
    and, with --partial, the others stored. --exit-zero makes a rejected row no failure.

    \b
    Example:
      minqing incidents import 12345工单.csv --source hotline_12345 --rejects rejects.csv
      minqing incidents import 110警情.geojson --source police_110 --encoding GBK --dry-run
      minqing incidents import 留言.jsonl --source online_message --partial
    """
    from geo import db
    from geo.ingest.read import read_file
    from geo.ingest.rejects import write_rejects
    from geo.ingest.sources import load_rules
    from geo.ingest.store import ingest_incidents
    from geo.settings import get_settings

    rules = load_rules(mapping)
    rules.layout(source)
    started = time.perf_counter()
    read = read_file(path, encoding, fmt)
    if not read.rows:
        raise DataError(f"{path.name} holds no rows")
    _check_columns(read.columns, source, rules, path.name)
    reading = time.perf_counter() - started
    conn = db.connect(db.database_url(get_settings()))
    try:
        result = ingest_incidents(
            conn, read.rows, source, actor or getpass.getuser(), rules=rules, dry_run=dry_run,
            partial=partial, note=f"{path.name}：",
        )  # fmt: skip
    finally:
        conn.close()
    if rejects_path is not None and result.rejects:
        write_rejects(rejects_path, result.rejects, read.columns, read.unit)
    click.echo(f"read {len(read.rows):,} rows ({read.format}, {read.encoding}) in {reading:.1f} s")
    click.echo(result.summary())
    if result.unmapped:
        click.echo(
            f"categories no mapping names, kept as 其他 with their own label "
            f"({sum(result.unmapped.values()):,} rows):"
        )
        for label, count in result.unmapped.items():
            click.echo(f"  {label}: {count:,}")
        click.echo(
            "  map them in [category_names] (geo/rules/intake_sources.toml or a --mapping "
            "file), then `minqing incidents recategorise` moves the stored cases"
        )
    if not result.rejects:
        return
    if rejects_path is None:
        click.echo("rows not taken (use --rejects FILE for the full list):")
        for reject in result.rejects[:10]:
            click.echo(f"  {read.unit} {reject.line}: {reject.text()}")
    else:
        click.echo(f"rows not taken, with their reasons: {rejects_path}")
    first = result.rejects[0]
    if not result.stored and not dry_run:
        click.echo(
            f"minqing: nothing stored: {result.rejected:,} rows rejected, the first at "
            f"{read.unit} {first.line} ({first.text()}); fix them, or import with --partial "
            "to store the good rows",
            err=True,
        )
    if not exit_zero:
        sys.exit(3 if partial else 1)


def _check_columns(columns: list[str], source: str, rules: IntakeRules, name: str) -> None:
    """A DataError when the file lacks a column every row needs (wrong source or encoding)."""
    layout = rules.layout(source)
    present = set(columns)
    for field in REQUIRED:
        if layout.column_for(field, present) is None:
            wanted = "、".join((*layout.columns.get(field, ()), field))
            raise DataError(
                f"{name} has no column for {field} ({wanted}) of source {source}: "
                "wrong --source, wrong encoding, or a --mapping needed"
            )


@incidents_group.command("recategorise")
@click.option(
    "--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML file with more [category_names] (layout of geo/rules/intake_sources.toml).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Show what would move; change nothing.")
@click.option("--by", "actor", default=None, help="Who does it (default: the login name).")
def recategorise_incidents(mapping: Path | None, dry_run: bool, actor: str | None) -> None:
    """Move the reports kept as 其他 (other) whose own label a mapping now names.

    Imports keep a report whose category label no mapping names in 其他, with the label.
    Once [category_names] maps the label, this moves every stored case and linked report
    carrying it, in one transaction (rollups kept exact; deadlines unchanged; recorded in the
    audit log).

    \b
    Example:
      minqing incidents recategorise --mapping my_categories.toml --dry-run
    """
    from geo import db
    from geo.ingest.recategorise import recategorise
    from geo.ingest.sources import load_rules
    from geo.settings import get_settings
    from geo.vocabulary import category_label, source_label, subcategory_label

    rules = load_rules(mapping)
    conn = db.connect(db.database_url(get_settings()))
    try:
        result = recategorise(conn, actor or getpass.getuser(), rules=rules, dry_run=dry_run)
    finally:
        conn.close()
    verb = "would move" if dry_run else "moved"
    for move in result.moved:
        label = source_label(move.label, move.sublabel)
        target = category_label(move.category)
        if move.subcategory:
            target += " / " + subcategory_label(move.category, move.subcategory)
        click.echo(f"{verb} {label} → {target}: {move.incidents:,} cases, {move.links:,} linked")
    if not result.moved:
        click.echo("nothing to move: no label kept as 其他 has a mapping")
    if result.remaining:
        total = sum(m.incidents + m.links for m in result.remaining)
        click.echo(f"still 其他 ({total:,} reports): " + ", ".join(
            f"{source_label(m.label, m.sublabel)} {m.incidents + m.links:,}"
            for m in result.remaining[:20]
        ))  # fmt: skip
