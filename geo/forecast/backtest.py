"""`minqing forecast backtest`: the forecast judged on the last weeks as it would have been made.

Rolling origin: for each of the last `backtest_weeks` weeks the forecast is made from the weeks
before it only (the models refitted every `refit_every_weeks` weeks, as weekly runs would be)
and compared with what happened, beside two baselines made from the same weeks:

- seasonal naive: the same week last year when the history has it, else last week;
- the mean of the last four weeks.

Measures, at grid level (each grid's reports of all categories, and of each category), and at
street level:

- MAE: mean absolute error of the point forecast (the model's median: the point that MAE
  rewards; the MAE of its mean is given too);
- MASE: MAE divided by the in-sample MAE of last-week-as-forecast over the weeks before the
  backtest (pooled over grids), so below 1 beats that naive rule on its own history;
- PAI at 1 % and 5 % of the city's area (NIJ Real-Time Crime Forecasting Challenge): the grids
  with the highest forecast reports per km² are flagged until that share of the area; PAI =
  (share of the week's reports in them) / (share of the area), averaged over the weeks;
- the share of actual weeks inside the model's interval (its coverage).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import psycopg2.extensions

from geo.forecast.features import FeatureMaker
from geo.forecast.levels import Level, levels
from geo.forecast.model import Forecaster, fit, forecast_table
from geo.forecast.rules import ForecastRules, load_rules
from geo.forecast.series import WEEK, ForecastError, History, read_history, week_origin
from geo.forecast.store import city_code, finish_run, new_run, store_table

METHODS = ("model", "seasonal_naive", "mean4")
METHOD_NAMES = {"model": "model (median)", "model_mean": "model (mean)",
                "seasonal_naive": "seasonal naive", "mean4": "mean of 4 weeks"}  # fmt: skip


@dataclass
class _Tally:
    """Absolute errors, PAI per origin and interval hits, per (scope, method, horizon)."""

    errors: dict = field(default_factory=lambda: defaultdict(list))
    pai: dict = field(default_factory=lambda: defaultdict(list))
    inside: dict = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class BacktestResult:
    """The backtest's run id, its weeks and its figures (see the module's docstring)."""

    run_id: int
    origins: list[datetime]
    weeks: int
    figures: dict
    seconds: float


def pai(score: np.ndarray, actual: np.ndarray, area: np.ndarray, share: float) -> float:
    """(Share of reports in the flagged grids) / (their share of the area): grids taken by
    descending score per km² until `share` of the area (at least one); NaN without reports."""
    total = actual.sum()
    if total <= 0:
        return float("nan")
    order = np.lexsort((np.arange(len(score)), -score / area))
    covered = np.cumsum(area[order])
    k = max(1, int(np.searchsorted(covered, share * area.sum(), side="right")))
    flagged = order[:k]
    return float((actual[flagged].sum() / total) / (area[flagged].sum() / area.sum()))


def baselines(counts: np.ndarray, origin: int, target: int) -> dict[str, np.ndarray]:
    """Seasonal naive and the mean of the last four weeks, per series (rows of `counts`)."""
    last_week = counts[:, origin - 1]
    last_year = counts[:, target - 52] if target >= 52 else np.full(len(counts), np.nan)
    recent = counts[:, max(origin - 4, 0) : origin]
    known = (~np.isnan(recent)).sum(axis=1)
    mean4 = np.where(known > 0, np.nansum(recent, axis=1) / np.maximum(known, 1), np.nan)
    return {
        "seasonal_naive": np.where(np.isnan(last_year), last_week, last_year),
        "mean4": mean4,
    }


def run_backtest(
    conn: psycopg2.extensions.connection, now: datetime, rules: ForecastRules | None = None
) -> BacktestResult:
    """Backtest over the last weeks before this one; store the run, its figures and its
    one-week-ahead forecasts of all categories (committed by the caller)."""
    rules = rules or load_rules()
    started = time.perf_counter()
    history = read_history(conn, week_origin(now))
    weeks = history.weeks
    first = weeks - rules.backtest_weeks
    if first < rules.calibration_origins + rules.horizons + 2:
        needed = rules.backtest_weeks + rules.calibration_origins + rules.horizons + 2
        raise ForecastError(
            f"too little history for a {rules.backtest_weeks}-week backtest: {weeks} complete "
            f"weeks of reports, {needed} needed"
        )
    maker = FeatureMaker(history)
    tree = levels(history.grids, city_code(conn))
    run_id = new_run(conn, "backtest", now, history.week_start(first), weeks, rules)
    tally = _Tally()
    truth = _Truth.of(history, tree)
    totals = truth.series["grid"]
    scale = float(np.mean(np.abs(np.diff(totals[:, :first], axis=1))))
    for block in range(first, weeks, rules.refit_every_weeks):
        forecaster = fit(maker, block, rules, tree)
        for origin in range(block, min(block + rules.refit_every_weeks, weeks)):
            _score_origin(forecaster, maker, truth, origin, tally)
            table = forecast_table(forecaster, maker, origin, tree, history.categories, range(1, 2))
            keep = table["category"] == "*"
            table = {key: value[keep] for key, value in table.items()}
            store_table(conn, run_id, history.week_start(origin), table, history.grids)
    figures = _figures(tally, rules, scale, weeks, first, history)
    seconds = time.perf_counter() - started
    figures["seconds"] = seconds
    finish_run(conn, run_id, "backtest", seconds, figures)
    origins = [history.week_start(o) for o in range(first, weeks)]
    return BacktestResult(run_id, origins, weeks, figures, seconds)


@dataclass(frozen=True)
class _Truth:
    """What happened, per scope: weekly reports per series (rows) and how the model's grid ×
    category forecasts add up to each scope's series."""

    series: dict[str, np.ndarray]
    street: Level
    area: np.ndarray

    @classmethod
    def of(cls, history: History, tree: list[Level]) -> _Truth:
        street = next(level for level in tree if level.name == "street")
        counts = history.counts
        by_street = np.zeros((len(street.codes), history.weeks))
        np.add.at(by_street, street.of_grid, np.nansum(counts, axis=1))
        series = {
            "grid": history.totals(),
            "grid_category": counts.reshape(-1, history.weeks),
            "street": by_street,
        }
        return cls(series, street, history.grids.area_km2)

    def add_up(self, scope: str, mean: np.ndarray) -> np.ndarray:
        """The model's grid × category means as the scope's series."""
        if scope == "grid":
            return mean.sum(axis=1)
        if scope == "grid_category":
            return mean.ravel()
        return self.street.add_up(mean)[:, -1]


# The calibration (level, kind) of each scope.
_KINDS = {"grid": ("grid", "*"), "grid_category": ("grid", "category"), "street": ("street", "*")}


def _score_origin(
    forecaster: Forecaster, maker: FeatureMaker, truth: _Truth, origin: int, tally: _Tally
) -> None:
    """Add one origin's errors, PAI and interval hits for every horizon whose week is known."""
    weeks = truth.series["grid"].shape[1]
    for horizon in range(1, forecaster.rules.horizons + 1):
        target = origin + horizon - 1
        if target >= weeks:
            break
        exists = ~np.isnan(truth.series["grid_category"][:, target]).reshape(maker.shape)
        forecast = forecaster.predict(maker, origin, horizon).reshape(maker.shape)
        mean = np.where(exists, forecast, 0.0)
        for scope, series in truth.series.items():
            actual = series[:, target]
            expected = truth.add_up(scope, mean)
            calibration = forecaster.calibrations[(horizon, *_KINDS[scope])]
            low, median, high = calibration.interval(expected)
            points = {"model": median, "model_mean": expected,
                      **baselines(series, origin, target)}  # fmt: skip
            known = ~np.isnan(actual)
            for method, point in points.items():
                tally.errors[(scope, method, horizon)].append(np.abs(actual - point)[known])
                if scope == "grid" and method != "model_mean":
                    score = expected if method == "model" else point
                    for share in forecaster.rules.flag_shares:
                        value = pai(score, actual, truth.area, share)
                        tally.pai[(method, horizon, share)].append(value)
            hit = (actual >= low) & (actual <= high)
            tally.inside[(scope, horizon)].append(hit[known])


def _figures(
    tally: _Tally, rules: ForecastRules, scale: float, weeks: int, first: int, history: History
) -> dict:
    """The measures as a JSON-able dict: {scope: {method: {horizon: {...}}}}, and the setting."""
    out: dict = {
        "weeks_of_history": weeks,
        "origins": weeks - first,
        "first_origin": history.week_start(first).isoformat(),
        "last_target": (history.week_start(weeks) - WEEK).isoformat(),
        "grids": len(history.grids),
        "categories": len(history.categories),
        "mase_scale": scale,
        "interval": [rules.low, rules.high],
        "flag_shares": list(rules.flag_shares),
        "scores": {},
    }
    for (scope, method, horizon), parts in tally.errors.items():
        errors = np.concatenate(parts)
        mae = float(errors.mean()) if len(errors) else float("nan")
        entry = (
            out["scores"].setdefault(scope, {}).setdefault(method, {}).setdefault(str(horizon), {})
        )
        entry["mae"] = mae
        if scope == "grid":
            entry["mase"] = mae / scale if scale else float("nan")
            pai_method = method if method != "model_mean" else "model"
            for share in rules.flag_shares:
                values = np.array(tally.pai[(pai_method, horizon, share)])
                entry[f"pai_{share:g}"] = float(np.nanmean(values)) if len(values) else None
        if method == "model":
            hits = np.concatenate(tally.inside[(scope, horizon)])
            entry["coverage"] = float(hits.mean()) if len(hits) else None
    return out


def report_lines(figures: dict) -> list[str]:
    """The backtest's figures as lines for people (grid level first)."""
    shares = figures["flag_shares"]
    lines = [
        f"backtest: {figures['origins']} weekly origins from {figures['first_origin'][:10]}, "
        f"{figures['grids']:,} grids × {figures['categories']} categories, "
        f"{figures['weeks_of_history']} weeks of history, {figures.get('seconds', 0):.0f} s",
    ]
    titles = {"grid": "grid level, all categories", "grid_category": "grid level, per category",
              "street": "street level, all categories"}  # fmt: skip
    for scope, methods in figures["scores"].items():
        for horizon in sorted(methods["model"], key=int):
            lines.append(f"{titles[scope]}, {horizon} week(s) ahead:")
            header = f"  {'method':<18}{'MAE':>8}"
            if scope == "grid":
                header += f"{'MASE':>8}" + "".join(f"{'PAI@' + f'{s:.0%}':>9}" for s in shares)
            lines.append(header + f"{'interval':>10}")
            for method in ("model", "model_mean", "seasonal_naive", "mean4"):
                entry = methods[method][horizon]
                line = f"  {METHOD_NAMES[method]:<18}{entry['mae']:>8.3f}"
                if scope == "grid":
                    line += f"{entry['mase']:>8.3f}" + "".join(
                        f"{entry[f'pai_{s:g}']:>9.2f}" for s in shares
                    )
                if entry.get("coverage") is not None:
                    line += f"{entry['coverage']:>10.1%}"
                lines.append(line)
            better = min(methods[m][horizon]["mae"] for m in ("seasonal_naive", "mean4"))
            change = methods["model"][horizon]["mae"] / better - 1
            lines.append(f"  model MAE against the better baseline: {change:+.1%}")
    return lines
