"""Stored forecasts (migration 102): a run with its rules and figures, and its forecast rows."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import pandas as pd
import psycopg2.extensions
from psycopg2.extras import Json

from geo.forecast.rules import ForecastRules
from geo.forecast.series import WEEK, Grids

COLUMNS = (
    "run_id", "origin", "week_start", "horizon", "level", "area_code", "category", "mean",
    "low", "median", "high", "recent", "history", "district_code", "street_code",
    "community_code", "grid_code",
)  # fmt: skip
_RUN_SQL = """
INSERT INTO forecast_runs (kind, made_at, origin, weeks, seconds, figures, rules_version,
                           rules_text)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id
"""
_COPY_SQL = f"COPY forecasts ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
# Older runs keep only their one-week-ahead forecasts of all categories (what the
# forecast-versus-actual chart reads); a new backtest replaces the previous one.
_PRUNE_FORECASTS_SQL = """
DELETE FROM forecasts f USING forecast_runs r
WHERE f.run_id = r.id AND r.kind = 'forecast' AND r.id <> %s
  AND (f.horizon > 1 OR f.category <> '*')
"""
_PRUNE_BACKTESTS_SQL = "DELETE FROM forecast_runs WHERE kind = 'backtest' AND id <> %s"
_CITY_SQL = "SELECT code FROM current_areas WHERE level = 'city' ORDER BY code LIMIT 1"


def city_code(conn: psycopg2.extensions.connection) -> str:
    """The code of the city of the current boundaries."""
    with conn.cursor() as cur:
        cur.execute(_CITY_SQL)
        row = cur.fetchone()
    return row[0] if row else ""


def new_run(
    conn: psycopg2.extensions.connection,
    kind: str,
    made_at: datetime,
    origin: datetime,
    weeks: int,
    rules: ForecastRules,
) -> int:
    """A new run's id (its figures and time are filled in by `finish_run`)."""
    with conn.cursor() as cur:
        cur.execute(
            _RUN_SQL, (kind, made_at, origin, weeks, 0.0, Json({}), rules.version, rules.text)
        )
        return cur.fetchone()[0]


def finish_run(
    conn: psycopg2.extensions.connection, run_id: int, kind: str, seconds: float, figures: dict
) -> None:
    """Record the run's time and figures, and prune what older runs no longer need."""
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE forecast_runs SET seconds = %s, figures = %s WHERE id = %s",
            (seconds, Json(figures), run_id),
        )
        if kind == "forecast":
            cur.execute(_PRUNE_FORECASTS_SQL, (run_id,))
        else:
            cur.execute(_PRUNE_BACKTESTS_SQL, (run_id,))


def store_table(
    conn: psycopg2.extensions.connection,
    run_id: int,
    origin: datetime,
    table: dict[str, np.ndarray],
    grids: Grids,
) -> int:
    """COPY a forecast table (see `geo.forecast.model.forecast_table`) made at `origin`."""
    frame = pd.DataFrame(table)
    frame.insert(0, "run_id", run_id)
    frame.insert(1, "origin", origin.isoformat())
    frame.insert(2, "week_start", [(origin + (h - 1) * WEEK).isoformat() for h in table["horizon"]])
    codes = _area_codes(grids)
    keys = zip(frame["level"], frame["area_code"], strict=True)
    where = [codes.get(key, (None,) * 4) for key in keys]
    for position, column in enumerate(
        ("district_code", "street_code", "community_code", "grid_code")
    ):
        frame[column] = [w[position] for w in where]
    for column in ("mean", "low", "median", "high", "recent"):
        frame[column] = frame[column].round(3)
    buffer = io.StringIO()
    frame[list(COLUMNS)].to_csv(buffer, header=False, index=False)
    buffer.seek(0)
    with conn.cursor() as cur:
        cur.copy_expert(_COPY_SQL, buffer)
    return len(frame)


def _area_codes(grids: Grids) -> dict[tuple[str, str], tuple]:
    """(level, code) -> its (district, street, community, grid) codes, for row-level security."""
    codes: dict[tuple[str, str], tuple] = {}
    for g, c, s, d in zip(grids.code, grids.community, grids.street, grids.district, strict=True):
        codes[("grid", g)] = (d, s, c, g)
        codes[("community", c)] = (d, s, c, None)
        codes[("street", s)] = (d, s, None, None)
        codes[("district", d)] = (d, None, None, None)
    return codes
