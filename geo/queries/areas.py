"""Questions about the area tree: outlines for the map, and per-district summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions
import psycopg2.extras

from geo.bounds import LngLatBbox
from geo.sqlfiles import load_sql

# Degrees; about 50 m at Lanzhou's latitude: invisible at city zoom, a tenth of the bytes.
OUTLINE_TOLERANCE = 0.0005


@dataclass(frozen=True)
class AreaOutline:
    """One area's simplified outline (GeoJSON geometry text) and a label point."""

    code: str
    parent_code: str | None
    name: str
    level: str
    population: int
    geojson: str
    label_lon: float
    label_lat: float


def area_outlines(
    conn: psycopg2.extensions.connection,
    levels: list[str],
    tolerance: float = OUTLINE_TOLERANCE,
) -> list[AreaOutline]:
    """Current areas of the given levels with simplified outlines."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(load_sql("area_outlines"), {"levels": levels, "tolerance": tolerance})
        return [AreaOutline(**row) for row in cur.fetchall()]


@dataclass(frozen=True)
class DistrictSummary:
    """Counts for one district: residents, streets, grids, recent, open and overdue cases."""

    code: str
    name: str
    population: int
    streets: int
    grids: int
    recent: int
    open: int
    overdue: int


def district_summaries(
    conn: psycopg2.extensions.connection, since: datetime, now: datetime
) -> list[DistrictSummary]:
    """One summary per current district; `recent` counts incidents reported since `since`.

    Three reads, each through its own index (one query counting all three over the whole
    table took a second at 2.4 million incidents)."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(load_sql("district_summary"))
        districts = cur.fetchall()
        cur.execute(load_sql("district_recent"), {"since": since})
        recent = {row["district_code"]: row["recent"] for row in cur.fetchall()}
        cur.execute(load_sql("district_open"), {"now": now})
        open_ = {row["district_code"]: row for row in cur.fetchall()}
    return [
        DistrictSummary(
            **row,
            recent=recent.get(row["code"], 0),
            open=open_[row["code"]]["open"] if row["code"] in open_ else 0,
            overdue=open_[row["code"]]["overdue"] if row["code"] in open_ else 0,
        )
        for row in districts
    ]


def level_extent(conn: psycopg2.extensions.connection, level: str) -> LngLatBbox | None:
    """The box around all current areas of one level, or None when there are none."""
    with conn.cursor() as cur:
        cur.execute(load_sql("areas_extent"), {"level": level})
        row = cur.fetchone()
    return LngLatBbox(*row) if row and row[0] is not None else None
