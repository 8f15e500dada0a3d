"""OGC API – Features collections: areas of each level, incidents, centers, early warnings.

Pages are ordered by a key (area code, incident id, center code, warning id) and continue
after the last key of the previous page, so a deep page costs what the first one does. Large
collections (areas, incidents) are written as GeoJSON by PostgreSQL, one Feature text per row;
centers and warnings come from the functions the pages call (`geo.queries`, `geo.warnings`).
Coordinates are stored in CGCS2000 (EPSG:4490), which PROJ takes as identical to WGS84 (no
shift); CRS84 gives them as stored (lon, lat), EPSG:4490 and EPSG:4326 in latitude-longitude
order as those CRSs define.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg2.extensions
from psycopg2 import sql

from geo.bounds import LngLatBbox
from geo.drill.queries import center_workloads, scope_conditions
from geo.filters import IncidentFilter, Period, Scope
from geo.live import queries as live
from geo.sqlfiles import load_sql
from geo.timeutil import CST
from geo.vocabulary import category_label
from geo.warnings.queries import EarlyWarning, list_warnings
from geo.warnings.rules import WarningRules

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
CRSS = (CRS84, EPSG_4490, EPSG_4326)
COORDINATE_DIGITS = 7  # about 1 cm
NO_ID = 2**63 - 1  # above every incident id: the first page of incidents
# A page of incidents first looks among the newest rows below its key: PROBE_FIRST pages' worth,
# then (if the matches found there promise a page) up to PROBE_MOST pages' worth
PROBE_FIRST = 2
PROBE_MOST = 20

# collection id → area level
AREA_COLLECTIONS = {
    "city": "city",
    "districts": "district",
    "streets": "street",
    "communities": "community",
    "grids": "grid",
}
LEVEL_DEPTH = {"city": 0, "district": 1, "street": 2, "community": 3, "grid": 4}
WARNING_STATUSES = ("new", "acknowledged", "assigned", "closed")
_CITY_EXTENT = load_sql("areas_extent")
_INCIDENT_TIMES = "SELECT min(reported_at), max(reported_at) FROM incidents"
_VERSIONS = "SELECT id, is_current, created_at, note FROM boundary_versions ORDER BY id"
_GRIDS_IN_BOX = (
    "i.grid_code IN (SELECT g.code FROM current_areas g WHERE g.level = 'grid'"
    " AND g.geom && ST_MakeEnvelope(%(bbox_w)s, %(bbox_s)s, %(bbox_e)s, %(bbox_n)s, 4490))"
)


@dataclass(frozen=True)
class Page:
    """One page of features (GeoJSON Feature texts) and the key to continue after, if any."""

    features: list[str]
    next_after: str | None


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents: the filter (sources, categories, statuses, major risks, area), a box,
    a report-time interval [start, end) (either end open when None), and `minor_only` for
    the cases that are not major risks."""

    flt: IncidentFilter
    bbox: LngLatBbox | None = None
    start: datetime | None = None
    end: datetime | None = None
    minor_only: bool = False


@dataclass(frozen=True)
class BoundaryVersion:
    """A published set of boundaries."""

    id: int
    is_current: bool
    created_at: datetime
    note: str


def lat_lon_order(crs: str) -> bool:
    """True when the CRS orders coordinates latitude first (EPSG:4490 and EPSG:4326)."""
    return crs != CRS84


def geometry_sql(column: str, crs: str) -> sql.Composable:
    """The GeoJSON geometry text of `column` (stored EPSG:4490) in the output CRS."""
    table, name = column.split(".")
    ref = sql.SQL("{}.{}").format(sql.Identifier(table), sql.Identifier(name))
    if lat_lon_order(crs):
        ref = sql.SQL("ST_FlipCoordinates({})").format(ref)
    return sql.SQL("ST_AsGeoJSON({}, {}, 0)").format(ref, sql.Literal(COORDINATE_DIGITS))


def bbox_sql(column: str, bbox: LngLatBbox | None) -> tuple[sql.Composable, dict]:
    """`column` intersects the box (given in lon/lat), using its spatial index; TRUE for none."""
    if bbox is None:
        return sql.SQL("TRUE"), {}
    table, name = column.split(".")
    ref = sql.SQL("{}.{}").format(sql.Identifier(table), sql.Identifier(name))
    envelope = sql.SQL("ST_MakeEnvelope(%(bbox_w)s, %(bbox_s)s, %(bbox_e)s, %(bbox_n)s, 4490)")
    condition = sql.SQL("{ref} && {env} AND ST_Intersects({ref}, {env})").format(
        ref=ref, env=envelope
    )
    params = {"bbox_w": bbox.west, "bbox_s": bbox.south, "bbox_e": bbox.east, "bbox_n": bbox.north}
    return condition, params


def _paged(rows: Sequence[tuple[Any, str]], limit: int) -> Page:
    """A page from up to limit + 1 (key, feature) rows: the extra row says there is more."""
    features = [text for _, text in rows[:limit]]
    more = len(rows) > limit
    return Page(features, str(rows[limit - 1][0]) if more and limit > 0 else None)


def versions(conn: psycopg2.extensions.connection) -> list[BoundaryVersion]:
    """Every boundary version, oldest first."""
    with conn.cursor() as cur:
        cur.execute(_VERSIONS)
        return [BoundaryVersion(*row) for row in cur.fetchall()]


def city_extent(conn: psycopg2.extensions.connection) -> LngLatBbox | None:
    """The box around the current city (None before any boundaries are published)."""
    with conn.cursor() as cur:
        cur.execute(_CITY_EXTENT, {"level": "city"})
        row = cur.fetchone()
    return LngLatBbox(*row) if row and row[0] is not None else None


def incident_times(conn: psycopg2.extensions.connection) -> tuple[datetime | None, datetime | None]:
    """The first and last report time of the incidents the transaction may see."""
    with conn.cursor() as cur:
        cur.execute(_INCIDENT_TIMES)
        return cur.fetchone()


def area_items(
    conn: psycopg2.extensions.connection,
    level: str,
    version: int,
    scope: Scope,
    *,
    bbox: LngLatBbox | None = None,
    code: str | None = None,
    after: str = "",
    limit: int = 100,
    crs: str = CRS84,
) -> Page:
    """A page of the areas of a level in a boundary version that lie in the scope."""
    box, box_params = bbox_sql("a.geom", bbox)
    query = sql.SQL(load_sql("mapapi_area_items")).format(
        geometry=geometry_sql("a.geom", crs), bbox=box
    )
    params = {
        **box_params,
        "version": version,
        "level": level,
        "depth": LEVEL_DEPTH[level],
        "scope_code": None if scope.level == "city" else scope.code,
        "code": code,
        "after": after,
        "limit": limit + 1,
    }
    with conn.cursor() as cur:
        cur.execute(query, params)
        return _paged(cur.fetchall(), limit)


def incident_conditions_sql(
    conn: psycopg2.extensions.connection, query: IncidentQuery, by_grids: bool = True
) -> tuple[sql.Composable, dict]:
    """The query's conditions on `i`: the filter as the drill-down counts it, box and times
    (the box also as the grids crossing it when `by_grids`, for their indexes)."""
    conditions, params = scope_conditions(conn, query.flt)
    box, box_params = bbox_sql("i.geom", query.bbox)
    parts = [conditions, box]
    if query.bbox is not None and by_grids:
        # by the grids crossing the box: under row-level security no spatial index serves
        # `incidents` (PostGIS's && is not leakproof); `areas` has no policy, its index does
        parts.append(sql.SQL(_GRIDS_IN_BOX))
    if query.minor_only:
        parts.append(sql.SQL("NOT i.is_major_risk"))
    if query.start is not None:
        parts.append(sql.SQL("i.reported_at >= %(t_start)s"))
        params["t_start"] = query.start
    if query.end is not None:
        parts.append(sql.SQL("i.reported_at < %(t_end)s"))
        params["t_end"] = query.end
    return sql.SQL(" AND ").join(parts), {**params, **box_params}


def incident_items(
    conn: psycopg2.extensions.connection,
    query: IncidentQuery,
    now: datetime,
    *,
    before: int = NO_ID,
    limit: int = 100,
    crs: str = CRS84,
) -> Page:
    """A page of the incidents matching the query that the transaction may see, newest first
    (ids below `before`: a page continues where the previous one ended).

    The page is looked for first among the newest rows below `before` (read backwards along
    the primary key): PROBE_FIRST pages' worth, then, when the share of matches found there
    promises a page within PROBE_MOST pages' worth, that many. When those rows hold more than
    a page of matches, they are the newest matches of all. A filter matching few of the newest
    rows (a rare status, an old interval) takes the filter's own indexes instead, whose plans
    read every match before sorting (a box of 2,800 grids over 30 days: 75,000 rows, 200 ms).
    """
    probed, params = incident_conditions_sql(conn, query, by_grids=False)
    statement = sql.SQL(load_sql("mapapi_incident_probe")).format(conditions=probed)
    rows = PROBE_FIRST * (limit + 1)
    ids = _newest_matches(conn, statement, params, before, rows, limit)
    if 0 < len(ids) <= limit:
        # half as many rows again as the share of matches found promises a page in
        promised = rows * (limit + 1) * 3 // (2 * len(ids))
        if promised <= PROBE_MOST * (limit + 1):
            ids = _newest_matches(conn, statement, params, before, promised, limit)
    if len(ids) > limit:
        found = sql.SQL("i.id = ANY(%(ids)s)")
        return _incidents(conn, found, {"ids": ids}, now, before, limit, crs)
    conditions, params = incident_conditions_sql(conn, query)
    return _incidents(conn, conditions, params, now, before, limit, crs)


def _newest_matches(
    conn: psycopg2.extensions.connection,
    statement: sql.Composable,
    params: dict,
    before: int,
    rows: int,
    limit: int,
) -> list[int]:
    """The ids of up to limit + 1 matches among the newest `rows` rows below `before`."""
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute(statement, {**params, "before": before, "probe": rows, "limit": limit + 1})
        return [row[0] for row in cur.fetchall()]


def incident_item(
    conn: psycopg2.extensions.connection, incident_id: int, now: datetime, crs: str = CRS84
) -> str | None:
    """One incident as a GeoJSON Feature text (None when absent or outside the scope)."""
    condition = sql.SQL("i.id = %(id)s")
    page = _incidents(conn, condition, {"id": incident_id}, now, NO_ID, 1, crs)
    return page.features[0] if page.features else None


def _incidents(
    conn: psycopg2.extensions.connection,
    conditions: sql.Composable,
    params: dict,
    now: datetime,
    before: int,
    limit: int,
    crs: str,
) -> Page:
    statement = sql.SQL(load_sql("mapapi_incident_items")).format(
        geometry=geometry_sql("i.geom", crs), conditions=conditions
    )
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute(statement, {**params, "now": now, "before": before, "limit": limit + 1})
        return _paged(cur.fetchall(), limit)


def _point(lon: float, lat: float, crs: str) -> dict:
    pair = [round(lat, COORDINATE_DIGITS), round(lon, COORDINATE_DIGITS)]
    return {"type": "Point", "coordinates": pair if lat_lon_order(crs) else pair[::-1]}


def _feature(key: str | int, lon: float, lat: float, crs: str, properties: dict) -> str:
    body = {
        "type": "Feature",
        "id": key,
        "geometry": _point(lon, lat, crs),
        "properties": properties,
    }
    return json.dumps(body, ensure_ascii=False, default=_json_value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(CST).isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _inside(bbox: LngLatBbox | None, lon: float, lat: float) -> bool:
    return bbox is None or (bbox.west <= lon <= bbox.east and bbox.south <= lat <= bbox.north)


@dataclass(frozen=True)
class Listing:
    """Features built in Python, keyed and sorted, to be paged like the SQL-built ones."""

    rows: list[tuple[Any, str]] = field(default_factory=list)

    def page(self, after: Any, limit: int) -> Page:
        """The features after the key `after`."""
        remaining = [row for row in self.rows if after is None or row[0] > after]
        return _paged(remaining[: limit + 1], limit)


def center_features(
    conn: psycopg2.extensions.connection,
    period: Period,
    scope: Scope,
    *,
    bbox: LngLatBbox | None = None,
    levels: Sequence[str] = (),
    crs: str = CRS84,
) -> Listing:
    """The centers the scope may see, each with its workload in the period (open and overdue
    at its end, concluded in it, mean handling hours), as the drill-down counts them."""
    loads = {
        load.code: load for load in center_workloads(conn, IncidentFilter(period, scope=scope))
    }
    rows = []
    for center in live.centers(conn):
        if levels and center.level not in levels or not _inside(bbox, center.lon, center.lat):
            continue
        load = loads.get(center.code)
        properties = {
            "code": center.code, "name": center.name, "level": center.level,
            "area_code": center.area_code, "parent_code": center.parent_code,
            "open": load.open if load else 0, "overdue": load.overdue if load else 0,
            "concluded": load.concluded if load else 0,
            "mean_hours": round(load.mean_hours, 2) if load and load.mean_hours else None,
            "period_start": period.start, "period_end": period.end,
        }  # fmt: skip
        rows.append((center.code, _feature(center.code, center.lon, center.lat, crs, properties)))
    return Listing(sorted(rows))


def warning_features(
    conn: psycopg2.extensions.connection,
    rules: WarningRules,
    *,
    statuses: Sequence[str] = WARNING_STATUSES,
    kinds: Sequence[str] = (),
    area_code: str | None = None,
    bbox: LngLatBbox | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    crs: str = CRS84,
    limit: int = 100_000,
) -> Listing:
    """The early warnings the transaction may see, with their reason in both languages."""
    rows = []
    for w in list_warnings(conn, statuses, kinds, area_code, limit):
        detected = w.detected_at
        if (
            not _inside(bbox, w.lon, w.lat)
            or (start and detected < start)
            or (end and detected >= end)
        ):
            continue
        rows.append((w.id, _feature(w.id, w.lon, w.lat, crs, warning_properties(w, rules))))
    return Listing(sorted(rows))


def warning_properties(w: EarlyWarning, rules: WarningRules) -> dict:
    """A warning's attributes as the map service gives them (figures as a JSON object)."""

    def reason(lang: str) -> str:
        category = category_label(w.category, lang) if w.category else ""
        return rules.reason(w.kind, w.figures, lang, category=category, address=w.address or "")

    return {
        "kind": w.kind, "status": w.status, "reason_zh": reason("zh"), "reason_en": reason("en"),
        "area_code": w.area_code, "area_name": w.area_name, "district_code": w.district_code,
        "street_code": w.street_code, "community_code": w.community_code,
        "grid_code": w.grid_code, "category": w.category, "address": w.address,
        "figures": w.figures, "window_start": w.window_start, "window_end": w.window_end,
        "detected_at": w.detected_at, "last_seen_at": w.last_seen_at,
        "assigned_center": w.assigned_center, "closed_at": w.closed_at,
    }  # fmt: skip
