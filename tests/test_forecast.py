"""预判: the forecast's pieces with known answers (PAI, baselines, calibration, no look-ahead),
then a run and a backtest on a tiny world of two years of weekly reports, the edge cases (a
grid with no history, a category new this year), storage, levels that add up, scope, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import psycopg2.extras
import pytest

from geo import db
from geo.errors import ConfigError
from geo.filters import Scope
from geo.forecast.backtest import baselines, pai, report_lines, run_backtest
from geo.forecast.features import FEATURES, FeatureMaker
from geo.forecast.model import calibrate
from geo.forecast.queries import forecast_vs_actual, rising_grids
from geo.forecast.rules import DEFAULT_RULES, load_rules, parse_rules
from geo.forecast.run import run_forecast
from geo.forecast.series import WEEK, read_history, week_origin
from geo.timeutil import now_utc
from geo.vocabulary import CATEGORIES
from tests.live_world import AREAS, GRID_A, GRID_B, GRID_C, GRID_D, build_world

WEEKS = 104
# Small and quick: fewer trees, a short backtest.
RULES_TEXT = (
    DEFAULT_RULES.read_text(encoding="utf-8")
    .replace("num_boost_round = 150", "num_boost_round = 30")
    .replace("min_data_in_leaf = 300", "min_data_in_leaf = 20")
    .replace("weeks = 26", "weeks = 4")
    .replace("refit_every_weeks = 13", "refit_every_weeks = 2")
    .replace("num_threads = 2", "num_threads = 1")
    .replace("min_rise = 2.0", "min_rise = 1.0")
)
RULES = parse_rules(RULES_TEXT)


def test_pai_known_answer():
    """Three equal grids, one holding 6 of 10 reports: flagging a third of the area there
    catches 60 % of the reports: PAI 1.8; flagging by a wrong forecast catches 10 %: 0.3."""
    area = np.array([1.0, 1.0, 1.0])
    actual = np.array([6.0, 1.0, 3.0])
    assert pai(np.array([5.0, 1.0, 1.0]), actual, area, 1 / 3) == pytest.approx(1.8)
    assert pai(np.array([0.0, 5.0, 1.0]), actual, area, 1 / 3) == pytest.approx(0.3)
    assert np.isnan(pai(np.ones(3), np.zeros(3), area, 0.5))  # no report: no PAI
    # density, not count: a big grid with more reports per km² still loses to a small dense one
    assert pai(
        np.array([9.0, 1.0, 0.0]), actual, np.array([10.0, 0.5, 0.5]), 0.05
    ) == pytest.approx((1 / 10) / (0.5 / 11))


def test_baselines_known_answer():
    """Seasonal naive takes the same week last year when the history has it, else last week;
    the mean of four weeks ignores weeks before a series existed."""
    counts = np.arange(60, dtype=float)[None, :].repeat(2, axis=0)
    counts[1, :55] = np.nan  # a series that began at week 55
    out = baselines(counts, origin=58, target=59)
    assert out["seasonal_naive"][0] == 7  # week 59 - 52
    assert out["seasonal_naive"][1] == 57  # no last year: last week
    assert out["mean4"][0] == pytest.approx((54 + 55 + 56 + 57) / 4)
    assert out["mean4"][1] == pytest.approx((55 + 56 + 57) / 3)
    early = baselines(counts, origin=10, target=11)
    assert early["seasonal_naive"][0] == 9  # two weeks of history only: last week


def test_calibration_intervals():
    """Quantiles of (actual + ½)/(forecast + ½) per bin; intervals ordered and never negative;
    with nothing to learn from, the interval is the forecast itself."""
    rng = np.random.default_rng(1)
    forecast = rng.uniform(0, 20, 5000)
    actual = rng.poisson(forecast).astype(float)
    table = calibrate(forecast, actual, (0.1, 0.5, 0.9))
    low, mid, high = table.interval(np.array([0.2, 5.0, 15.0]))
    assert (low <= mid).all() and (mid <= high).all() and (low >= 0).all()
    inside = np.mean(
        (actual >= table.interval(forecast)[0]) & (actual <= table.interval(forecast)[2])
    )
    assert 0.75 < inside < 0.9  # an 80 % interval on the pairs it was made from
    empty = calibrate(np.array([3.0]), np.array([np.nan]), (0.1, 0.5, 0.9))
    assert [v[0] for v in empty.interval(np.array([3.0]))] == [3.0, 3.0, 3.0]


def test_rules_are_checked():
    rules = load_rules()
    assert rules.horizons == 4 and rules.flag_shares == (0.01, 0.05)
    with pytest.raises(ConfigError, match="quantiles"):
        parse_rules(RULES_TEXT.replace("low = 0.1", "low = 0.6"))
    with pytest.raises(ConfigError, match="malformed"):
        parse_rules(RULES_TEXT.replace("[backtest]", "[back]"))


def _weekly_world(conn, origin) -> None:
    """Two years of reports in the tiny world: grid A steady with a winter season, grid B
    rising, grid C with a hotspot in the last weeks, grid D never reporting; fraud only in the
    last ten weeks (a category that did not exist last year)."""
    rng = np.random.default_rng(5)
    grids = {a[0]: a for a in AREAS if a[3] == "grid"}
    rows = []
    for week in range(WEEKS):
        monday = origin - (WEEKS - week) * WEEK
        winter = 1.6 if monday.month in (12, 1, 2) else 1.0
        expected = {
            GRID_A: {"livelihood": 6 * winter, "dispute": 2.0},
            GRID_B: {"livelihood": 2 + 6 * week / WEEKS, "safety_hazard": 1.0},
            GRID_C: {"livelihood": 3.0 + (12.0 if week >= WEEKS - 6 else 0.0), "public_order": 1},
        }
        if week >= WEEKS - 10:
            expected[GRID_A]["fraud"] = 1.5
        for grid, categories in expected.items():
            community = grids[grid][1]
            street = next(a for a in AREAS if a[0] == community)[1]
            district = next(a for a in AREAS if a[0] == street)[1]
            west, south, east, north = grids[grid][5:]
            for category, mean in categories.items():
                for _ in range(rng.poisson(mean)):
                    at = monday + timedelta(hours=float(rng.uniform(1, 160)))
                    rows.append((category, (west + east) / 2, (south + north) / 2, grid, community,
                                 street, district, at, at + timedelta(days=5)))  # fmt: skip
    with conn.cursor() as cur:
        psycopg2.extras.execute_values(
            cur,
            "INSERT INTO incidents (source, category, severity, geom, grid_code, community_code,"
            " street_code, district_code, reported_at, deadline_at, status) VALUES %s",
            rows,
            template="('hotline_12345', %s, 2, ST_SetSRID(ST_MakePoint(%s, %s), 4490), %s, %s,"
            " %s, %s, %s, %s, 'reported')",
        )
    conn.commit()


@pytest.fixture(scope="module")
def world(scratch):
    """The tiny world with two years of weekly reports up to this week; its URL and `now`."""
    url = scratch.create_migrated("minqing_forecast")
    conn = db.connect(url)
    build_world(conn)
    now = now_utc()
    _weekly_world(conn, week_origin(now))
    conn.close()
    return url, now


def test_features_see_nothing_of_the_target_weeks(world):
    """Features at an origin do not change when the weeks from the origin on change."""
    url, now = world
    conn = db.connect(url)
    try:
        history = read_history(conn, week_origin(now))
    finally:
        conn.close()
    before = FeatureMaker(history).rows(90, 3)
    history.counts[:, :, 90:] = 1000.0
    after = FeatureMaker(history).rows(90, 3)
    np.testing.assert_array_equal(before, after)
    assert before.shape == (len(history.grids) * len(history.categories), len(FEATURES))


def test_history_edge_cases(world):
    """Weeks before a category's first report are unknown (NaN), not zero; a grid that never
    reported has zeros."""
    url, now = world
    conn = db.connect(url)
    try:
        history = read_history(conn, week_origin(now))
    finally:
        conn.close()
    assert history.weeks == WEEKS
    fraud = history.categories.index("fraud")
    assert np.isnan(history.counts[:, fraud, : WEEKS - 10]).all()
    assert not np.isnan(history.counts[:, fraud, WEEKS - 10 :]).any()
    d = list(history.grids.code).index(GRID_D)
    assert np.nansum(history.counts[d]) == 0


def test_run_stores_coherent_forecasts(world):
    """Every level and category for four weeks; levels add up; intervals hold the median;
    the grid without history and the new category get forecasts and say so; the hotspot
    grid is the one expected to rise; scoped reads see their district only."""
    url, now = world
    conn = db.connect(url)
    try:
        result = run_forecast(conn, now, RULES)
        conn.commit()
        with conn.cursor() as cur:
            cur.execute(
                "SELECT level, area_code, category, horizon, mean, low, median, high, history "
                "FROM forecasts WHERE run_id = %s",
                (result.run_id,),
            )
            rows = {(r[0], r[1], r[2], r[3]): r[4:] for r in cur.fetchall()}
    finally:
        conn.close()
    # 4 grids, 2 communities, 2 streets, 2 districts, the city; every category and '*'; 4 weeks
    assert result.rows == len(rows) == 11 * (len(CATEGORIES) + 1) * 4
    for mean, low, median, high, _ in rows.values():
        assert 0 <= low <= median <= high and mean >= 0
    grid_sum = sum(rows[("grid", g, "*", 1)][0] for g in (GRID_A, GRID_B, GRID_C, GRID_D))
    assert rows[("city", "620100", "*", 1)][0] == pytest.approx(grid_sum, rel=1e-3)
    categories = ("dispute", "safety_hazard", "livelihood", "public_order", "fraud")
    by_category = sum(rows[("grid", GRID_A, c, 2)][0] for c in categories)
    assert rows[("grid", GRID_A, "*", 2)][0] == pytest.approx(by_category, rel=1e-3)
    assert rows[("grid", GRID_D, "*", 1)][4] == 0  # no history: said so, forecast like its kind
    assert np.isfinite(rows[("grid", GRID_D, "*", 1)][0])
    assert rows[("grid", GRID_A, "fraud", 1)][0] > 0  # new this year, forecast all the same


def test_rising_grids_in_scope(world):
    """The next-week layer lists the grids of the latest run whose first week is forecast
    above their last four weeks by at least `min_rise`, most first, in the reader's scope."""
    url, now = world
    conn = db.connect(url)
    try:
        run = run_forecast(conn, now, RULES)
        with conn.cursor() as cur:  # make the expected rises known
            for grid, rise in ((GRID_A, 9.0), (GRID_C, 5.0), (GRID_D, 0.5)):
                cur.execute(
                    "UPDATE forecasts SET mean = recent + %s, high = recent + %s + 3 "
                    "WHERE run_id = %s AND level = 'grid' AND area_code = %s AND horizon = 1 "
                    "AND category = '*'",
                    (rise, rise, run.run_id, grid),
                )
            cur.execute(
                "UPDATE forecasts SET mean = 0, low = 0, median = 0 WHERE run_id = %s "
                "AND level = 'grid' AND area_code = %s AND category = '*'",
                (run.run_id, GRID_B),
            )
        conn.commit()
    finally:
        conn.close()
    pool = db.get_pool(url)
    with db.scoped_transaction(pool, Scope("district", "620103")) as app:
        rising = rising_grids(app, Scope("district", "620103"), limit=RULES.rising_grids)
        with app.cursor() as cur:
            cur.execute("SELECT DISTINCT level FROM forecasts WHERE area_code = '620100'")
            assert cur.fetchall() == []  # the city's rows are the city's users' only
    assert [g.code for g in rising] == [GRID_C]  # D rises too little, A is another district
    assert rising[0].rise == pytest.approx(5.0, abs=1e-3)
    with db.scoped_transaction(pool, Scope()) as app:
        assert [g.code for g in rising_grids(app, Scope())] == [GRID_A, GRID_C]


def test_backtest_figures_and_chart(world):
    """Rolling origins over the last weeks: MAE, MASE, PAI and coverage per method and
    horizon, stored with the one-week-ahead forecasts the chart reads; printed for people."""
    url, now = world
    conn = db.connect(url)
    try:
        result = run_backtest(conn, now, RULES)
        conn.commit()
        points = forecast_vs_actual(conn, Scope("district", "620102"), now, weeks=8)
    finally:
        conn.close()
    scores = result.figures["scores"]
    assert set(scores) == {"grid", "grid_category", "street"}
    assert set(scores["grid"]) == {"model", "model_mean", "seasonal_naive", "mean4"}
    one = scores["grid"]["model"]["1"]
    assert one["mae"] > 0 and one["mase"] > 0 and 0 <= one["coverage"] <= 1
    assert one["pai_0.01"] > 0 and scores["grid"]["mean4"]["1"]["pai_0.05"] > 0
    assert result.figures["origins"] == 4 and len(result.origins) == 4
    lines = report_lines(result.figures)
    assert any("seasonal naive" in line for line in lines)
    past = [p for p in points if not p.ahead]
    assert len(past) == 8 and sum(p.mean is not None for p in past) == 4  # the backtest's weeks
    assert all(p.actual is not None for p in past)
    assert [p.ahead for p in points[8:]] == [True] * 4  # the run's four weeks ahead


def test_cli_run_and_backtest(world, tmp_path: Path):
    """`minqing forecast run` and `backtest` with a rules file: figures printed, exit 0; too
    little history is refused with a clear message."""
    url, _ = world
    rules = tmp_path / "forecast.toml"
    rules.write_text(RULES_TEXT, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": url}

    def minqing(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "geo.cli", "forecast", *args], capture_output=True,
            text=True, env=env, timeout=300,
        )  # fmt: skip

    run = minqing("run", "--rules", str(rules))
    assert run.returncode == 0, run.stderr
    assert "rows stored" in run.stdout
    back = minqing("backtest", "--rules", str(rules), "--threads", "1")
    assert back.returncode == 0, back.stderr
    assert "model MAE against the better baseline" in back.stdout
    too_long = tmp_path / "long.toml"
    too_long.write_text(RULES_TEXT.replace("weeks = 4", "weeks = 200"), encoding="utf-8")
    refused = minqing("backtest", "--rules", str(too_long))
    assert refused.returncode == 1 and "too little history" in refused.stderr
    assert "Traceback" not in refused.stderr
