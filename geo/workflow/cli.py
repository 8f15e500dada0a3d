"""`minqing workflow`: the automatic escalation rule, run from the command line or a timer."""

from __future__ import annotations

from pathlib import Path

import click

from geo import db
from geo.settings import get_settings
from geo.warnings.scan import scan_warnings
from geo.workflow.tick import DEFAULT_RULES, EscalationRule, load_rule, tick


@click.group("workflow")
def workflow_group() -> None:
    """The closed loop of cases: deadlines and automatic escalation."""


@workflow_group.command("tick")
@click.option(
    "--escalate-after-hours", type=click.FloatRange(min=0, min_open=True), default=None,
    help="Escalate cases overdue by this many hours (default: rules/workflow.toml).",
)  # fmt: skip
@click.option(
    "--warnings/--no-warnings", "with_warnings", default=True, show_default=True,
    help="Also run the early-warning scan (as `minqing warnings scan`).",
)  # fmt: skip
@click.option(
    "--rules", "rules_path", type=click.Path(exists=True, dir_okay=False), default=None,
    help="Another rules file (TOML with an [escalation] table).",
)  # fmt: skip
@click.option(
    "--publish/--no-publish", "with_publish", default=True, show_default=True,
    help="Also publish the safety reports whose period closed (as `minqing publish due`).",
)  # fmt: skip
def workflow_tick(
    escalate_after_hours: float | None,
    with_warnings: bool,
    rules_path: str | None,
    with_publish: bool,
) -> None:
    """Escalate overdue cases to the level above, once per N hours each, as the actor 'system';
    then scan for early warnings; then publish the safety reports of periods that closed.

    \b
    Example:
      minqing workflow tick
      minqing workflow tick --escalate-after-hours 48
    """
    rule = load_rule(Path(rules_path) if rules_path else DEFAULT_RULES)
    if escalate_after_hours is not None:
        rule = EscalationRule(True, escalate_after_hours, rule.limit)
    conn = db.connect(db.database_url(get_settings()))
    try:
        result = tick(conn, rule)
        scanned = scan_warnings(conn) if with_warnings else None
        conn.commit()
    finally:
        conn.close()
    if rule.enabled:
        click.echo(
            f"escalated {result.escalated:,} case(s) overdue by {rule.after_hours:g} h or more "
            f"({result.seconds:.2f} s)"
        )
    else:
        click.echo("automatic escalation is off (rules/workflow.toml)")
    for line in scanned.lines() if scanned else []:
        click.echo(line)
    if with_publish:
        from geo.publish.publish import publish_due
        from geo.timeutil import now_utc

        conn = db.connect(db.database_url(get_settings()))
        try:
            for report in publish_due(conn, now_utc()):
                click.echo(report.line())
        finally:
            conn.close()
