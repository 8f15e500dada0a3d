"""The forecaster: one gradient-boosted model per horizon (LightGBM, Poisson objective) over
every grid and category at once, and intervals calibrated on weeks it did not learn from.

For horizon h the model learns from origins whose target week is known, all but the latest
`calibration_origins` of them; on those it forecasts, adds grids up to every level, and
records how far the actual weeks fell from forecasts of the same size (quantiles of
(actual + ½) / (forecast + ½) in bins of the forecast). A forecast's interval and median come
from that table, so they are as wide as the model's real errors at that level and size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

# OpenMP threads that spin while waiting make LightGBM several times slower on a busy machine
# (measured: 2 threads beside other work took 6x as long as 1); waiting threads should sleep.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import lightgbm  # noqa: E402 - after the OpenMP setting it reads when it loads

from geo.forecast.features import CATEGORICAL, FEATURES, FeatureMaker
from geo.forecast.levels import Level
from geo.forecast.rules import ForecastRules
from geo.forecast.series import ForecastError

MIN_PER_BIN = 300
MAX_BINS = 20


@dataclass(frozen=True)
class Calibration:
    """Quantiles of (actual + ½) / (forecast + ½) per bin of the forecast."""

    edges: np.ndarray  # upper edge of each bin on the forecast (the last is +inf)
    ratios: np.ndarray  # bins × 3: low, median, high

    def interval(self, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Low, median and high forecasts (reports, >= 0) for forecast means."""
        ratio = self.ratios[np.searchsorted(self.edges, mean, side="left")]
        scaled = ratio * (mean[:, None] + 0.5) - 0.5
        low, mid, high = np.maximum(scaled, 0).T
        return low, mid, high


def calibrate(
    forecast: np.ndarray, actual: np.ndarray, quantiles: tuple[float, ...]
) -> Calibration:
    """The calibration table of forecasts and what happened (pairs with an unknown actual are
    left out); one bin when there are few pairs, no wider than the forecasts themselves when
    there are none."""
    keep = ~np.isnan(actual)
    forecast, actual = forecast[keep], actual[keep]
    if len(forecast) == 0:
        return Calibration(np.array([np.inf]), np.ones((1, len(quantiles))))
    bins = int(np.clip(len(forecast) // MIN_PER_BIN, 1, MAX_BINS))
    inner = np.unique(np.quantile(forecast, np.linspace(0, 1, bins + 1)[1:-1]))
    edges = np.append(inner, np.inf)
    which = np.searchsorted(edges, forecast, side="left")
    ratio = (actual + 0.5) / (forecast + 0.5)
    ratios = np.ones((len(edges), len(quantiles)))
    for b in range(len(edges)):
        mine = ratio[which == b]
        if len(mine):
            ratios[b] = np.quantile(mine, quantiles)
    return Calibration(edges, ratios)


@dataclass
class Forecaster:
    """The fitted models per horizon and their calibration per (horizon, level, kind) where
    kind is 'category' (one category of an area) or '*' (all categories)."""

    rules: ForecastRules
    boosters: dict[int, lightgbm.Booster] = field(default_factory=dict)
    calibrations: dict[tuple[int, str, str], Calibration] = field(default_factory=dict)
    fit_rows: dict[int, int] = field(default_factory=dict)

    @property
    def quantiles(self) -> tuple[float, float, float]:
        """The low, median and high quantiles of the intervals."""
        return (self.rules.low, 0.5, self.rules.high)

    def predict(self, maker: FeatureMaker, origin: int, horizon: int) -> np.ndarray:
        """Forecast mean of every series (grid × category) for week origin + horizon - 1."""
        booster = self.boosters[horizon]
        return np.maximum(booster.predict(maker.rows(origin, horizon)), 0.0)


def _stack(maker: FeatureMaker, origins: range, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and targets at several origins (series whose target is unknown left out)."""
    xs, ys = [], []
    for origin in origins:
        y = maker.target(origin, horizon)
        keep = ~np.isnan(y)
        xs.append(maker.rows(origin, horizon)[keep])
        ys.append(y[keep])
    return np.concatenate(xs), np.concatenate(ys)


def fit(maker: FeatureMaker, origin: int, rules: ForecastRules, tree: list[Level]) -> Forecaster:
    """Models for forecasts made at `origin` (learning only from weeks before it)."""
    forecaster = Forecaster(rules)
    params = {
        "objective": "poisson", "verbosity": -1, "deterministic": True, "force_row_wise": True,
        **{k: v for k, v in rules.model.items() if k != "num_boost_round"},
    }  # fmt: skip
    categorical = [FEATURES.index(name) for name in CATEGORICAL]
    for horizon in range(1, rules.horizons + 1):
        last = origin - horizon  # the latest origin whose target week is known
        first = max(last - rules.train_origins + 1, 1)
        split = last - rules.calibration_origins + 1
        if split - first < 2:
            needed = rules.calibration_origins + horizon + 2
            raise ForecastError(
                f"too little history for a {horizon}-week forecast: {origin} complete weeks of "
                f"reports, at least {needed} needed"
            )
        x, y = _stack(maker, range(first, split), horizon)
        data = lightgbm.Dataset(
            x, y, feature_name=list(FEATURES), categorical_feature=categorical, free_raw_data=True
        )
        forecaster.boosters[horizon] = lightgbm.train(
            params, data, num_boost_round=int(rules.model["num_boost_round"])
        )
        forecaster.fit_rows[horizon] = len(y)
        _calibrate(forecaster, maker, range(split, last + 1), horizon, tree)
    return forecaster


def _calibrate(
    forecaster: Forecaster, maker: FeatureMaker, origins: range, horizon: int, tree: list[Level]
) -> None:
    """Calibration tables of one horizon at every level, from the held-out origins."""
    pairs: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}
    for origin in origins:
        forecast = forecaster.predict(maker, origin, horizon).reshape(maker.shape)
        actual = maker.target(origin, horizon).reshape(maker.shape)
        missing = np.isnan(actual)
        for level in tree:
            f = level.add_up(np.where(missing, 0, forecast))
            a = level.add_up(np.nan_to_num(actual))
            a[:, :-1][level.add_up(missing.astype(float))[:, :-1] > 0] = np.nan
            by_category = (f[:, :-1].ravel(), a[:, :-1].ravel())
            pairs.setdefault((level.name, "category"), []).append(by_category)
            pairs.setdefault((level.name, "*"), []).append((f[:, -1], a[:, -1]))
    for (level, kind), parts in pairs.items():
        f = np.concatenate([p[0] for p in parts])
        a = np.concatenate([p[1] for p in parts])
        forecaster.calibrations[(horizon, level, kind)] = calibrate(f, a, forecaster.quantiles)


def forecast_table(
    forecaster: Forecaster,
    maker: FeatureMaker,
    origin: int,
    tree: list[Level],
    categories: tuple[str, ...],
    horizons: range,
) -> dict[str, np.ndarray]:
    """The forecasts made at `origin` for every level, area and category ('*': all), as
    columns: horizon, level, area_code, category, mean, low, median, high, recent (mean of the
    four weeks before the origin) and history (weeks since the area's first report, 0: none)."""
    observed = np.nan_to_num(maker.y).reshape(*maker.shape, -1)
    recent = observed[:, :, max(origin - 4, 0) : origin].sum(axis=2) / 4
    total = observed.sum(axis=1)  # grids × weeks
    parts: dict[str, list[np.ndarray]] = {}
    labels = np.array([*categories, "*"], dtype=object)
    known = ~np.isnan(maker.y[:, :origin]).all(axis=1).reshape(maker.shape)
    forecasts = {
        h: np.where(known, forecaster.predict(maker, origin, h).reshape(maker.shape), 0.0)
        for h in horizons
    }
    for level in tree:
        ever = np.zeros((len(level.codes), total.shape[1]))
        np.add.at(ever, level.of_grid, total)
        seen = ever[:, :origin] > 0
        first = np.where(seen.any(axis=1), seen.argmax(axis=1), origin)
        history = np.repeat(origin - first, len(labels))
        near = level.add_up(recent).ravel()
        for horizon in horizons:
            mean = level.add_up(forecasts[horizon])
            low, mid, high = np.empty_like(mean), np.empty_like(mean), np.empty_like(mean)
            for kind, cols in (("category", slice(None, -1)), ("*", slice(-1, None))):
                calibration = forecaster.calibrations[(horizon, level.name, kind)]
                values = calibration.interval(mean[:, cols].ravel())
                for out, value in zip((low, mid, high), values, strict=True):
                    out[:, cols] = value.reshape(mean[:, cols].shape)
            n = mean.size
            columns = {
                "horizon": np.full(n, horizon), "level": np.full(n, level.name, dtype=object),
                "area_code": np.repeat(level.codes, len(labels)),
                "category": np.tile(labels, len(level.codes)), "mean": mean.ravel(),
                "low": low.ravel(), "median": mid.ravel(), "high": high.ravel(),
                "recent": near, "history": history,
            }  # fmt: skip
            for key, value in columns.items():
                parts.setdefault(key, []).append(value)
    return {key: np.concatenate(value) for key, value in parts.items()}
