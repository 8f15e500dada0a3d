"""`minqing forecast run`: forecast the coming weeks from the complete weeks before now, store."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import psycopg2.extensions

from geo.forecast.features import FeatureMaker
from geo.forecast.levels import levels
from geo.forecast.model import fit, forecast_table
from geo.forecast.rules import ForecastRules, load_rules
from geo.forecast.series import read_history, week_origin
from geo.forecast.store import city_code, finish_run, new_run, store_table


@dataclass(frozen=True)
class RunResult:
    """What a run made: its id, origin, history, rows stored and the time of each step."""

    run_id: int
    origin: datetime
    weeks: int
    series: int
    rows: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """The whole run."""
        return sum(self.timings.values())


def run_forecast(
    conn: psycopg2.extensions.connection, now: datetime, rules: ForecastRules | None = None
) -> RunResult:
    """Fit on the weeks before this week, forecast this week and the next ones for every grid,
    category and level, and store them as a new run (committed by the caller)."""
    rules = rules or load_rules()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    origin = week_origin(now)
    history = read_history(conn, origin)
    maker = FeatureMaker(history)
    tree = levels(history.grids, city_code(conn))
    lap("read")
    forecaster = fit(maker, history.weeks, rules, tree)
    lap("fit")
    table = forecast_table(
        forecaster, maker, history.weeks, tree, history.categories, range(1, rules.horizons + 1)
    )
    lap("forecast")
    run_id = new_run(conn, "forecast", now, origin, history.weeks, rules)
    rows = store_table(conn, run_id, origin, table, history.grids)
    lap("store")
    figures = {
        "timings": timings,
        "series": int(maker.y.shape[0]),
        "training_rows": forecaster.fit_rows,
    }
    finish_run(conn, run_id, "forecast", sum(timings.values()), figures)
    return RunResult(run_id, origin, history.weeks, maker.y.shape[0], rows, timings)
