"""What the model sees of a series at a forecast origin: its recent weeks and last year, its
grid's, street's and the city's level and trend, the season, the holidays, and the grid itself.

A series is one grid's reports of one category per week. At origin `o` (the first week not yet
known) a forecast for horizon `h` targets week `o + h - 1`; every feature is computed from the
weeks before `o` only, so training rows taken at earlier origins see exactly what a forecast
made then would have seen. Unknown values (no history yet, no last year, a category that did
not exist) are NaN: the model treats them as missing, never as zero.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from geo.forecast.series import History
from geo.holidays import golden_week_days, spring_festival_days

FEATURES = (
    "lag1", "lag2", "lag3", "lag4", "mean4", "mean8", "mean13", "mean26", "mean52",
    "last_year", "last_year3", "grid_mean4", "grid_mean13", "grid_mean52", "street_mean4",
    "street_mean26", "city_season", "city_trend", "category", "kind", "log_population",
    "log_area", "district", "week_of_year", "holiday_target", "holiday_last", "holiday_last_year",
    "history",
)  # fmt: skip
CATEGORICAL = ("category", "kind", "district")


def _window_mean(sums: np.ndarray, valid: np.ndarray, end: int, length: int) -> np.ndarray:
    """Mean of the known values over weeks [end - length, end) from cumulative sums (NaN when
    none is known)."""
    end = min(max(end, 0), sums.shape[-1] - 1)
    begin = max(end - length, 0)
    n = valid[..., end] - valid[..., begin]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (sums[..., end] - sums[..., begin]) / np.maximum(n, 1), np.nan)


def _cumulative(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative sums of the known values and of their number along the last axis, with a
    leading zero (index k sums the first k weeks)."""
    known = ~np.isnan(values)
    pad = [(0, 0)] * (values.ndim - 1) + [(1, 0)]
    sums = np.pad(np.cumsum(np.where(known, values, 0), axis=-1, dtype=np.float64), pad)
    counts = np.pad(np.cumsum(known, axis=-1, dtype=np.int32), pad)
    return sums, counts


class FeatureMaker:
    """Feature rows of every series of a history at any origin and horizon."""

    def __init__(self, history: History) -> None:
        counts = history.counts
        grids, categories, weeks = counts.shape
        self.history = history
        self.shape = (grids, categories)
        self.y = counts.reshape(grids * categories, weeks)
        self.sums, self.known = _cumulative(self.y)
        totals = history.totals()
        self.grid_sums, self.grid_known = _cumulative(totals)
        streets, street_of = np.unique(history.grids.street, return_inverse=True)
        per_street = np.zeros((len(streets), categories, weeks))
        np.add.at(per_street, street_of, np.nan_to_num(counts))
        size = np.bincount(street_of, minlength=len(streets)).astype(float)
        per_street /= size[:, None, None]
        per_street[:, np.isnan(counts).all(axis=0)] = np.nan
        self.street_of = street_of
        self.street_sums, self.street_known = _cumulative(per_street)
        self.city = np.nansum(counts, axis=0)  # categories × weeks
        self.city[np.isnan(counts).all(axis=0)] = np.nan
        self.city_sums, self.city_known = _cumulative(self.city)
        g = np.arange(grids).repeat(categories)
        districts = np.unique(history.grids.district, return_inverse=True)[1]
        self.static = {
            "category": np.tile(np.arange(categories), grids).astype(float),
            "kind": history.grids.kind[g].astype(float),
            "log_population": np.log1p(history.grids.population[g]),
            "log_area": np.log(history.grids.area_km2[g]),
            "district": districts[g].astype(float),
        }
        self.grid_of = g
        self.category_of = np.tile(np.arange(categories), grids)
        self._holidays = self._holiday_days(weeks + 60)

    def _holiday_days(self, weeks: int) -> tuple[np.ndarray, np.ndarray]:
        """Holiday days in each week from week 0 (and the ISO week of year of each week)."""
        first = np.datetime64(self.history.start.date(), "D")
        days = first + np.arange(7 * weeks)
        holiday = (spring_festival_days(days) | golden_week_days(days)).reshape(weeks, 7)
        mondays = [self.history.start + timedelta(days=7 * w) for w in range(weeks)]
        week_of_year = np.array([m.isocalendar().week for m in mondays], dtype=float)
        return holiday.sum(axis=1).astype(float), week_of_year

    def _lag(self, week: int) -> np.ndarray:
        if week < 0 or week >= self.y.shape[1]:
            return np.full(self.y.shape[0], np.nan)
        return self.y[:, week]

    def rows(self, origin: int, horizon: int) -> np.ndarray:
        """Feature rows (series × FEATURES, float32) for the week origin + horizon - 1."""
        o, target = origin, origin + horizon - 1
        n = self.y.shape[0]
        holidays, week_of_year = self._holidays
        mean = {k: _window_mean(self.sums, self.known, o, k) for k in (4, 8, 13, 26, 52)}
        grid = {k: _window_mean(self.grid_sums, self.grid_known, o, k) for k in (4, 13, 52)}
        street = {k: _window_mean(self.street_sums, self.street_known, o, k) for k in (4, 26)}
        ly = target - 52
        last_year3 = (
            _window_mean(self.sums, self.known, ly + 2, 3) if ly >= 1 else np.full(n, np.nan)
        )
        city_recent = _window_mean(self.city_sums, self.city_known, o, 4)
        city_then = _window_mean(self.city_sums, self.city_known, o - 52, 4)
        city_target_then = (
            self.city[:, ly] if 0 <= ly < self.city.shape[1] else np.full(len(self.city), np.nan)
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            season = city_target_then / city_then  # how last year moved from now to the target
            trend = city_recent / city_then  # this year against last year, same weeks
        c = self.category_of
        columns = {
            "lag1": self._lag(o - 1), "lag2": self._lag(o - 2), "lag3": self._lag(o - 3),
            "lag4": self._lag(o - 4), "mean4": mean[4], "mean8": mean[8], "mean13": mean[13],
            "mean26": mean[26], "mean52": mean[52], "last_year": self._lag(ly),
            "last_year3": last_year3, "grid_mean4": grid[4][self.grid_of],
            "grid_mean13": grid[13][self.grid_of], "grid_mean52": grid[52][self.grid_of],
            "street_mean4": street[4][self.street_of[self.grid_of], c],
            "street_mean26": street[26][self.street_of[self.grid_of], c],
            "city_season": season[c], "city_trend": trend[c],
            **self.static,
            "week_of_year": np.full(n, week_of_year[target]),
            "holiday_target": np.full(n, holidays[target]),
            "holiday_last": np.full(n, holidays[o - 1] if o >= 1 else np.nan),
            "holiday_last_year": np.full(n, holidays[ly] if ly >= 0 else np.nan),
            "history": self.known[:, min(o, self.y.shape[1])].astype(float),
        }  # fmt: skip
        return np.column_stack([columns[name] for name in FEATURES]).astype(np.float32)

    def target(self, origin: int, horizon: int) -> np.ndarray:
        """The actual reports of the target week per series (NaN: unknown)."""
        return self._lag(origin + horizon - 1)
