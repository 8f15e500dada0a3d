"""Vector tiles (Mapbox Vector Tile, WebMercatorQuad) of the areas, incidents and warnings.

Each layer is one `ST_AsMVT` query, and a tile's layers are drawn by one statement. Incidents
are counted per community (zoom ≤ 10) or per grid (zoom 11–13) from the codes they carry,
placed at the area's label point, and drawn one by one from zoom 14. Grid colours (computed
like the live map's, `geo.mapapi.status`) come in as arrays of the red and yellow grids in the
tile: the others are blue.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import psycopg2.extensions
from psycopg2 import sql

from geo.bounds import LngLatBbox
from geo.filters import OPEN_STATUSES
from geo.live.queries import AreaNode
from geo.mapapi.area_index import area_index
from geo.mapapi.features import IncidentQuery, incident_conditions_sql
from geo.mapapi.prepared import Execution, Prepared, execution, fixed_text
from geo.sqlfiles import load_sql
from geo.warnings.queries import EarlyWarning

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
COMMUNITY_COUNTS_UNTIL = 10  # incidents counted per community up to this zoom
GRID_COUNTS_UNTIL = 13  # then per grid; points from the next zoom on
MOST_POINTS = 20_000  # incident points in one tile at most (newest first)
LAYERS = ("grids", "incidents", "warnings")
# Areas come in the order of their codes, whatever the plan, on the statement's generic plan:
# the current version's grids and communities are cut for each tile already (migration 253),
# and what is left to plan does not depend on the tile.
AREA_PREPARED = Prepared(("level", "layer", "default_color"))
WARNING_PREPARED = Prepared(("layer",))  # in the order of the given arrays
# the open cases' points, newest first: the statuses written in, for their partial index
POINTS_PREPARED = Prepared(("f_statuses",))


class TileError(ValueError):
    """A tile address outside the tile matrix."""


@dataclass(frozen=True)
class Tile:
    """A WebMercatorQuad tile: zoom (tile matrix), column x and row y."""

    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise TileError(f"zoom {self.z} is outside 0–{MAX_ZOOM}")
        side = 2**self.z
        if not (0 <= self.x < side and 0 <= self.y < side):
            raise TileError(f"tile {self.z}/{self.y}/{self.x} is outside the matrix")

    @classmethod
    def containing(cls, lon: float, lat: float, z: int) -> Tile:
        """The tile of zoom `z` holding the point (longitude, latitude in degrees)."""
        side = 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * side
        return cls(z, int((lon + 180) / 360 * side), int(y))

    def bounds(self, margin: float = 0.0) -> LngLatBbox:
        """The tile's box in longitude and latitude, widened by `margin` of its width."""
        side = 2**self.z

        def lon(x: float) -> float:
            return x / side * 360.0 - 180.0

        def lat(y: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / side))))

        return LngLatBbox(
            lon(self.x - margin), lat(self.y + 1 + margin), lon(self.x + 1 + margin),
            lat(self.y - margin),
        )  # fmt: skip

    def params(self) -> dict:
        """The tile's parameters for the tile statements."""
        return {
            "z": self.z, "x": self.x, "y": self.y, "extent": EXTENT, "buffer": BUFFER,
            "margin": BUFFER / EXTENT,
        }  # fmt: skip


@dataclass(frozen=True)
class GridColour:
    """A grid's status colour and why, in both languages."""

    color: str
    reason_zh: str
    reason_en: str


def _inside(box: LngLatBbox, lon: float, lat: float) -> bool:
    return box.west <= lon <= box.east and box.south <= lat <= box.north


class Statement(NamedTuple):
    """One layer's tile statement and its parameters; how it may be prepared (`prepared`:
    `geo.mapapi.prepared`), None when it is sent as text."""

    query: sql.Composable | str
    params: dict
    prepared: Prepared | None = None


def layers_message(
    cur: psycopg2.extensions.cursor, statements: Sequence[Statement], check: bytes = b"NULL"
) -> tuple[Execution | None, bytes]:
    """One statement drawing every layer (each a column: its tile, or NULL), after `check`
    (an expression, e.g. who the transaction acts for), with its parameters bound: the
    layers' prepared statement when each of them may be prepared, with what the connection
    must prepare first (None when it has or when the statement is sent as text)."""
    if statements and all(s.prepared is not None for s in statements):
        texts = [fixed_text(cur, _text(cur, s.query), s.params, s.prepared) for s in statements]
        run = execution(cur, check, texts, [s.params for s in statements])
        if run is not None:
            return (run if run.prepare is not None else None), run.message
    columns = [b"(\n" + cur.mogrify(s.query, s.params) + b"\n)" for s in statements]
    return None, b"SELECT " + b", ".join([check, *columns])


def layers_query(
    cur: psycopg2.extensions.cursor, statements: Sequence[Statement], check: bytes = b"NULL"
) -> bytes:
    """`layers_message`'s statement, its prepared statement prepared first when need be."""
    first, message = layers_message(cur, statements, check)
    if first is not None:
        cur.execute(first.prepare)
        first.record(cur.connection)
    return message


def _text(cur: psycopg2.extensions.cursor, query: sql.Composable | str) -> str:
    return query if isinstance(query, str) else query.as_string(cur)


def layer_bytes(row: Sequence) -> bytes:
    """The tile of `layers_query`'s row: its layers one after the other (the check left out)."""
    return b"".join(bytes(part) for part in row[1:] if part is not None)


def draw(conn: psycopg2.extensions.connection, statements: Sequence[Statement]) -> bytes:
    """A tile of the layers' statements, drawn by one statement (the service's transactions
    run with JIT off: `geo/sql/mapapi_enter_client.sql`)."""
    if not statements:
        return b""
    with conn.cursor() as cur:
        cur.execute(layers_query(cur, statements))
        return layer_bytes(cur.fetchone())


def area_statement(
    tile: Tile,
    level: str,
    layer: str,
    version: int,
    codes: Collection[str] | None,
    colours: Mapping[str, GridColour] | None = None,
    tree: Mapping[str, AreaNode] | None = None,
) -> Statement:
    """The areas of a level crossing the tile (only `codes` when given), with the colours of
    the red and yellow grids (`tree` finds those of the codes and colours in the tile: a
    district's 2,000 codes, sent whole, were compared with every area of the tile)."""
    box = tile.bounds(BUFFER / EXTENT)
    colours = colours or {}
    index = area_index(tree) if tree is not None else None
    near = index.among("grid", box, colours) if index is not None else colours
    coloured = [(code, colours[code]) for code in near]
    if codes is not None and index is not None:
        codes = index.among(level, box, codes)
    params = {
        **tile.params(),
        "level": level, "layer": layer, "version": version,
        "codes": text_array(codes) if codes is not None else None,
        "default_color": "blue" if colours is not None else None,
        "s_code": [code for code, _ in coloured], "s_color": [c.color for _, c in coloured],
        "s_zh": [c.reason_zh for _, c in coloured], "s_en": [c.reason_en for _, c in coloured],
    }  # fmt: skip
    return Statement(load_sql("mapapi_tile_areas"), params, AREA_PREPARED)


class IncidentLayer(NamedTuple):
    """The incidents' statements for one filter, made once for every tile: the points' and the
    counts' (per community and per grid) with the filter's conditions written in, the
    conditions' parameters, and how the points' statement is prepared (None: sent as text)."""

    points: str
    counts: Mapping[str, str]
    params: dict
    prepared: Prepared | None


def incident_layer(conn: psycopg2.extensions.connection, query: IncidentQuery) -> IncidentLayer:
    """The incidents' statements for the query (`conn` is read only for an area filter below a
    district: its grids)."""
    conditions, params = incident_conditions_sql(conn, query)

    def text(name: str, **parts: sql.Composable) -> str:
        return sql.SQL(load_sql(name)).format(conditions=conditions, **parts).as_string(conn)

    counts = {
        level: text("mapapi_tile_incident_counts", unit=sql.Identifier("i", f"{level}_code"))
        for level in ("community", "grid")
    }
    prepared = POINTS_PREPARED if _open_cases_only(query) else None
    return IncidentLayer(text("mapapi_tile_incident_points"), counts, params, prepared)


def incident_statement(
    layer: IncidentLayer, tile: Tile, tree: Mapping[str, AreaNode], now: object
) -> Statement | None:
    """Incidents in the tile: counted per community or grid when zoomed out, else points (None:
    nothing to count)."""
    params = {**layer.params, **tile.params(), "now": now}
    box = tile.bounds(BUFFER / EXTENT)
    index = area_index(tree)
    if tile.z > GRID_COUNTS_UNTIL:
        # by the grids crossing the tile: under row-level security the spatial index cannot
        # be used (PostGIS's && is not leakproof), the grid codes' indexes can
        grids = text_array([n.code for n in index.overlapping("grid", box)])
        params.update(most=MOST_POINTS, grids=grids)
        return Statement(layer.points, params, layer.prepared)
    level = "community" if tile.z <= COMMUNITY_COUNTS_UNTIL else "grid"
    units = [n for n in index.overlapping(level, box) if _inside(box, n.lon, n.lat)]
    if not units:
        return None
    grids = text_array([n.code for n in index.grids_of({n.code for n in units})])
    params.update(
        u_code=[n.code for n in units], u_lon=[n.lon for n in units],
        u_lat=[n.lat for n in units], grids=grids,
    )  # fmt: skip
    return Statement(layer.counts[level], params)


def text_array(values: Sequence[str]) -> str:
    """The values as one `text[]` value in PostgreSQL's text form (`{"a","b"}`): read by the
    database as one literal, where psycopg2's `ARRAY['a','b']` is an expression of one
    constant per value to analyse (0.02–0.05 ms a point tile of 50 grids)."""
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _open_cases_only(query: IncidentQuery) -> bool:
    """True for the map's own incident layer: the open cases, no other filter (its statement
    is prepared with the open statuses written in, so that their partial index serves)."""
    flt = query.flt
    return (
        set(flt.statuses) == set(OPEN_STATUSES)
        and not (flt.sources or flt.categories or flt.major_only or query.minor_only)
        and flt.scope.level == "city"
        and query.bbox is None and query.start is None and query.end is None
    )  # fmt: skip


def warning_statement(
    tile: Tile,
    warnings: Sequence[EarlyWarning],
    reasons: Mapping[int, tuple[str, str]],
) -> Statement | None:
    """The warnings in the tile as points with kind, status and reason (`reasons` by id)."""
    box = tile.bounds(BUFFER / EXTENT)
    shown = [w for w in warnings if _inside(box, w.lon, w.lat)]
    if not shown:
        return None
    params = {
        **tile.params(),
        "layer": "warnings", "id": [w.id for w in shown], "kind": [w.kind for w in shown],
        "status": [w.status for w in shown], "zh": [reasons[w.id][0] for w in shown],
        "en": [reasons[w.id][1] for w in shown], "lon": [w.lon for w in shown],
        "lat": [w.lat for w in shown],
    }  # fmt: skip
    return Statement(load_sql("mapapi_tile_points"), params, WARNING_PREPARED)


_STAMP = """
SELECT (SELECT id FROM boundary_versions WHERE is_current),
       (SELECT coalesce(max(id), 0) FROM incidents),
       minqing_event_stamp(),
       (SELECT coalesce(max(last_seen_at)::text, '') FROM warnings),
       (SELECT coalesce(max(id), 0) FROM warning_events)
"""


def data_stamp(conn: psycopg2.extensions.connection) -> tuple:
    """What the tiles' content depends on, as the transaction sees it: the boundary version,
    the newest incident and case event, the latest warning scan and warning event."""
    with conn.cursor() as cur:
        cur.execute(_STAMP)
        return tuple(cur.fetchone())
