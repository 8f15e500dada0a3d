"""`minqing forecast`: make and store the weekly forecast (预判), and judge it on past weeks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from geo.forecast.rules import DEFAULT_RULES, ForecastRules, load_rules


@click.group("forecast")
def forecast_group() -> None:
    """预判: reports per grid, street and category for the coming weeks, with an interval."""


def _rules(rules_path: str | None, threads: int | None) -> ForecastRules:
    rules = load_rules(Path(rules_path) if rules_path else DEFAULT_RULES)
    if threads is not None:
        rules = replace(rules, model={**rules.model, "num_threads": threads})
    return rules


_RULES = click.option(
    "--rules", "rules_path", type=click.Path(exists=True, dir_okay=False), default=None,
    help="Another rules file (layout of geo/rules/forecast.toml).",
)  # fmt: skip
_THREADS = click.option(
    "--threads", type=click.IntRange(min=1, max=64), default=None,
    help="Threads of each model fit (default: the rules file's; 1 on a busy shared machine).",
)  # fmt: skip


@forecast_group.command("run")
@_RULES
@_THREADS
def forecast_run(rules_path: str | None, threads: int | None) -> None:
    """Learn from the complete weeks before this one, forecast this week and the next ones for
    every grid and category (and, added up, every community, street, district and the city),
    and store them. Run it weekly, early on Monday (see docs/forecast.md for a timer).

    \b
    Example:
      minqing forecast run
    """
    from geo import db
    from geo.forecast.run import run_forecast
    from geo.settings import get_settings
    from geo.timeutil import format_cst, now_utc

    rules = _rules(rules_path, threads)
    conn = db.connect(db.database_url(get_settings()))
    try:
        result = run_forecast(conn, now_utc(), rules)
        conn.commit()
    finally:
        conn.close()
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    click.echo(
        f"forecast {result.run_id}: {rules.horizons} weeks from {format_cst(result.origin)}, "
        f"{result.series:,} series (grids × categories) learnt from {result.weeks} weeks; "
        f"{result.rows:,} rows stored"
    )
    click.echo(f"took {result.seconds:.1f} s ({steps})")


@forecast_group.command("backtest")
@_RULES
@_THREADS
def forecast_backtest(rules_path: str | None, threads: int | None) -> None:
    """Judge the forecast on the last weeks (26 by default) as it would have been made each
    week, beside two baselines (seasonal naive, mean of the last four weeks): MAE, MASE, PAI at
    1 % and 5 % of the city's area, interval coverage. Stores the figures and the one-week-ahead
    forecasts (the drill-down's forecast-versus-actual chart shows them).

    \b
    Example:
      minqing forecast backtest --threads 1
    """
    from geo import db
    from geo.forecast.backtest import report_lines, run_backtest
    from geo.settings import get_settings
    from geo.timeutil import now_utc

    rules = _rules(rules_path, threads)
    conn = db.connect(db.database_url(get_settings()))
    try:
        result = run_backtest(conn, now_utc(), rules)
        conn.commit()
    finally:
        conn.close()
    for line in report_lines(result.figures):
        click.echo(line)
