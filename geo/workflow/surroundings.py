"""What the map of one case shows without a basemap: the box around it, the grids, communities
and streets there with their names, and the other open cases nearby."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from geo.bounds import LngLatBbox
from geo.queries.areas import AreaOutline
from geo.sqlfiles import load_sql

# The least the map spans around a case, in degrees (about 360 m east–west and 440 m
# north–south at Lanzhou): a grid of the city centre and the ring of grids around it.
MIN_SPAN_LON = 0.004
MIN_SPAN_LAT = 0.004
MARGIN = 1.5  # the box reaches this many times the case's distance to its grid's far edge
CLEAR = 0.2  # street and community names stay this share of the map's span from the case
AREA_LIMIT = 120
NEARBY_LIMIT = 300


@dataclass(frozen=True)
class NearbyCase:
    """Another open case in the box."""

    id: int
    lon: float
    lat: float
    category: str
    status: str
    reported_at: datetime
    address: str
    overdue: bool


@dataclass(frozen=True)
class Surroundings:
    """The box of a case's map and what is in it (`named_grids`: the case's grid and the grids
    touching it, whose names the map shows)."""

    box: LngLatBbox
    grids: list[AreaOutline]
    named_grids: list[AreaOutline]
    communities: list[AreaOutline]
    streets: list[AreaOutline]
    nearby: list[NearbyCase]


def case_box(lon: float, lat: float, grid: LngLatBbox | None) -> LngLatBbox:
    """The case's grid with a margin (the grids around it), at least the minimum span, centred
    on the case so that it sits in the middle of the map."""
    half_lon, half_lat = MIN_SPAN_LON / 2, MIN_SPAN_LAT / 2
    if grid is not None:
        half_lon = max(half_lon, max(lon - grid.west, grid.east - lon) * MARGIN)
        half_lat = max(half_lat, max(lat - grid.south, grid.north - lat) * MARGIN)
    return LngLatBbox(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)


def surroundings(
    conn: psycopg2.extensions.connection,
    incident_id: int,
    lon: float,
    lat: float,
    grid: tuple[str, LngLatBbox | None],
    now: datetime,
) -> Surroundings:
    """The areas and the other open cases around a case (the cases as the reader's scope
    allows); `grid`: the case's grid code and its box (None when it is not current)."""
    box = case_box(lon, lat, grid[1])
    params = {
        "west": box.west, "south": box.south, "east": box.east, "north": box.north,
        "id": incident_id, "now": now, "grid": grid[0], "lon": lon, "lat": lat,
        "clear": CLEAR * min(box.east - box.west, box.north - box.south),
    }  # fmt: skip
    with conn.cursor() as cur:
        cur.execute(load_sql("case_surroundings"), {**params, "limit": AREA_LIMIT})
        found = [(AreaOutline(*row[:8]), row[8]) for row in cur.fetchall()]
        areas = [area for area, _ in found]
        cur.execute(load_sql("case_nearby"), {**params, "limit": NEARBY_LIMIT})
        nearby = [NearbyCase(*row) for row in cur.fetchall()]
    by_level: dict[str, list[AreaOutline]] = {"grid": [], "community": [], "street": []}
    for area in areas:
        by_level[area.level].append(area)
    named = [area for area, shown in found if shown and area.level == "grid"]
    return Surroundings(
        box, by_level["grid"], named, by_level["community"], by_level["street"], nearby
    )
