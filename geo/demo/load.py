"""Seeding the Lanzhou demo: all data replaced, written with COPY.

For a big load the secondary indexes and the foreign keys of `incidents` and
`incident_events` are dropped before the COPY; their definitions are read from the catalog
first (`pg_indexes`, `pg_get_constraintdef`), so the schema ends exactly as the migrations
made it. The daily rollups' insert trigger is disabled for the COPY and the rollups are
recounted after it by `rollup_rebuild()` (migration 013, the same row functions as the
triggers use). Incidents are written in `reported_at` order, which the BRIN index relies on.
The tables are truncated in the same transaction, so the COPY can FREEZE the rows (no
hint-bit rewrite or anti-wraparound vacuum later).

The foreign keys come back at once as NOT VALID (checked for every later write); what is left
(building the indexes, validating the keys, recounting the rollups) is the finishing work.
Given a connection pool, the load commits and the finishing work runs over two connections
at once through `geo.deferred` (the server's two cores busy instead of one); without one, it
runs in the load's own transaction and the whole seed is one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg2
import psycopg2.extensions
import psycopg2.pool
import pyarrow as pa
import shapely
from psycopg2 import sql

from geo import deferred
from geo.demo.areas import build_area_tree
from geo.demo.centers import build_centers
from geo.demo.incidents import generate_incidents
from geo.demo.pgcopy import copy_binary, point_ewkb
from geo.display import display_geometries
from geo.errors import DatabaseError, DataError
from geo.settings import PROJECT_ROOT, PROJECT_SRID
from geo.timeutil import now_utc

DISTRICTS_FILE = PROJECT_ROOT / "data" / "lanzhou_districts.geojson"
BULK_TABLES = ("incidents", "incident_events")
# Connections the finishing work runs over when the seed is given a pool (one per core here).
FINISHING_CONNECTIONS = 2

# The address gazetteer was learned from the replaced incidents (their places and grids); the
# scorecards, forecasts and published reports were made from them.
_TRUNCATE = (
    "TRUNCATE incident_events, incidents, centers, areas, boundary_versions, address_gazetteer, "
    "scorecard_runs, scorecards, forecast_runs, forecasts, published_reports "
    "RESTART IDENTITY CASCADE"
)
_NEW_VERSION = (
    "INSERT INTO boundary_versions (created_by, source, note, is_current) "
    "VALUES ('demo', 'minqing demo seed', %s, true) RETURNING id"
)
_BULK_INDEXES = """
SELECT i.tablename, i.indexname, i.indexdef
FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                  WHERE c.contype IN ('p', 'u', 'x')
                    AND c.conindid = to_regclass(quote_ident(i.schemaname) || '.'
                                                 || quote_ident(i.indexname)))
ORDER BY i.tablename, i.indexname
"""
_COLUMN_TYPES = """
SELECT a.attname, t.typname
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""
_BULK_FOREIGN_KEYS = """
SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE c.contype = 'f' AND s.nspname = current_schema() AND t.relname = ANY(%s)
ORDER BY t.relname, c.conname
"""

# The insert trigger of the daily rollups (migration 003) would take the 2.4 million new rows
# as one transition table; it is disabled for the COPY and the rollups are recounted after it.
_ROLLUP_TRIGGERS = ["incidents_rollup_insert"]
_ROLLUP_REBUILD = "SELECT rollup_rebuild()"
# the version's grids and communities cut for each tile of the map service (migration 253)
_CUT_TILES = "SELECT minqing_cut_area_tiles({})"
_BULK_TRIGGERS = """
SELECT t.relname, g.tgname
FROM pg_trigger g
JOIN pg_class t ON t.oid = g.tgrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE NOT g.tgisinternal AND g.tgenabled <> 'D' AND s.nspname = current_schema()
  AND t.relname = ANY(%s) AND g.tgname = ANY(%s)
ORDER BY t.relname, g.tgname
"""


@dataclass(frozen=True)
class SeedSummary:
    """What a seed wrote, and how long each phase took (seconds)."""

    areas: int
    centers: int
    incidents: int
    events: int
    timings: dict[str, float] = field(default_factory=dict)
    finished: list[deferred.Finished] = field(default_factory=list)

    def describe(self) -> str:
        """One line for people: counts and the total time."""
        return (
            f"seeded {self.areas:,} areas, {self.centers:,} centers, {self.incidents:,} "
            f"incidents and {self.events:,} events in {self.timings.get('total', 0):.1f} s"
        )


def demo_is_loaded(conn: psycopg2.extensions.connection) -> bool:
    """True when the database holds a current boundary version (the demo or published data)."""
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('boundary_versions') IS NOT NULL")
            if not cur.fetchone()[0]:
                return False
            cur.execute("SELECT EXISTS (SELECT 1 FROM boundary_versions WHERE is_current)")
            return bool(cur.fetchone()[0])
    except psycopg2.Error as exc:
        raise DatabaseError(f"cannot tell whether the demo is loaded: {_first_line(exc)}") from None


def read_districts(path: Path = DISTRICTS_FILE) -> gpd.GeoDataFrame:
    """Lanzhou's district boundaries (code, name, population, geometry) from the data file."""
    if not path.is_file():
        raise DataError(f"the district boundaries file is missing: {path}")
    try:
        return gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure means an unusable file
        raise DataError(f"cannot read the district boundaries {path}: {exc}") from None


def seed_demo(
    conn: psycopg2.extensions.connection,
    incidents: int = 200_000,
    seed: int = 2026,
    scale: float = 1.0,
    progress: Callable[[str], None] = lambda _: None,
    now: datetime | None = None,
    pool: psycopg2.pool.AbstractConnectionPool | None = None,
) -> SeedSummary:
    """Replace all data with the generated demo (nothing changes when the load fails).

    With a pool, the load commits and the finishing work runs over pooled connections at
    once; without one, everything is one transaction on `conn`.
    """
    if incidents < 0:
        raise ValueError("incidents must be >= 0")
    clock = _Clock()
    now = now or now_utc()
    progress(f"building the area tree (scale {scale}) …")
    areas = build_area_tree(read_districts(), scale=scale, seed=seed)
    clock.lap("tree")
    centers = build_centers(areas)
    clock.lap("centers")
    progress(f"generating {incidents:,} incidents …")
    cases, events = generate_incidents(areas, centers, incidents, seed, now)
    clock.lap("incidents")
    progress("writing to the database …")
    note = f"seed={seed} scale={scale} incidents={incidents} now={now.isoformat()}"
    # A connection that is not in autocommit may already be in a transaction (a caller's
    # read): switching modes then fails, and the seed simply continues that transaction.
    autocommit = conn.autocommit
    if autocommit:
        conn.autocommit = False
    try:
        finishing = _write(conn, areas, centers, cases, events, note, clock)
        if pool is None:
            finished = _finish_inline(conn, finishing)
        else:
            with conn.cursor() as cur:
                deferred.defer(cur, finishing)
        conn.commit()
        clock.lap("commit")
    except psycopg2.Error as exc:
        conn.rollback()
        raise _wrapped(exc) from None
    finally:
        if autocommit:
            conn.autocommit = True
    if pool is not None:
        progress("building indexes, validating keys and recounting rollups …")
        finished = _finish_pooled(pool)
        clock.lap("finish")
    summary = SeedSummary(
        len(areas), len(centers), len(cases), len(events), clock.timings(), finished
    )
    progress(summary.describe())
    return summary


def _write(
    conn: psycopg2.extensions.connection,
    areas: gpd.GeoDataFrame,
    centers: gpd.GeoDataFrame,
    cases: pd.DataFrame,
    events: pd.DataFrame,
    note: str,
    clock: _Clock,
) -> list[str]:
    """The load, in the caller's transaction; returns the finishing statements, in order."""
    with conn.cursor() as cur:
        for setting in deferred.BULK_SETTINGS:
            cur.execute(setting)
        # work a crashed seed left: its index builds are kept, repeats of this seed's dropped
        left_over = deferred.take_all(cur)
        cur.execute(_TRUNCATE)
        cur.execute(_NEW_VERSION, (note,))
        version = cur.fetchone()[0]
        _copy(cur, "areas", _areas_table(areas, version))
        _copy(cur, "centers", _centers_table(centers))
        clock.lap("copy_areas")
        cur.execute(_BULK_INDEXES, (list(BULK_TABLES),))
        indexes = cur.fetchall()
        cur.execute(_BULK_FOREIGN_KEYS, (list(BULK_TABLES),))
        foreign_keys = cur.fetchall()
        cur.execute(_BULK_TRIGGERS, (list(BULK_TABLES), _ROLLUP_TRIGGERS))
        triggers = cur.fetchall()
        for table, name, _ in foreign_keys:
            cur.execute(_alter(table, "DROP CONSTRAINT {}", name))
        for _, name, _ in indexes:
            cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        for table, name in triggers:
            cur.execute(_alter(table, "DISABLE TRIGGER {}", name))
        _copy(cur, "incidents", _incidents_table(cases), freeze=True)
        clock.lap("copy_incidents")
        _copy(cur, "incident_events", _events_table(events), freeze=True)
        clock.lap("copy_events")
        for table, name in triggers:
            cur.execute(_alter(table, "ENABLE TRIGGER {}", name))
        for table, name, definition in foreign_keys:
            cur.execute(
                _alter(table, "ADD CONSTRAINT {} ", name) + sql.SQL(definition + " NOT VALID")
            )
        for table in BULK_TABLES:
            rows = len(cases) if table == "incidents" else len(events)
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                (table, max(rows, 1), rows > 0),
            )
        for table in ("areas", "centers", *BULK_TABLES):
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        clock.lap("analyze")
        # the longest first, so that two connections end close together
        cut_tiles = sql.SQL(_CUT_TILES).format(sql.Literal(version)).as_string(cur)
        finishing = [_ROLLUP_REBUILD, cut_tiles]
        finishing += [definition for _, _, definition in indexes]  # the catalog's own text
        finishing += [
            _alter(table, "VALIDATE CONSTRAINT {}", name).as_string(cur)
            for table, name, _ in foreign_keys
        ]
    return finishing + [s for s in left_over if s not in finishing]


def _finish_inline(
    conn: psycopg2.extensions.connection, statements: list[str]
) -> list[deferred.Finished]:
    """Run the finishing statements one after another in the load's transaction."""
    finished = []
    with conn.cursor() as cur:
        for statement in statements:
            start = time.perf_counter()
            cur.execute(statement)
            finished.append(deferred.Finished(statement, time.perf_counter() - start))
    return finished


def _finish_pooled(pool: psycopg2.pool.AbstractConnectionPool) -> list[deferred.Finished]:
    """Run the committed finishing work over pooled connections at once."""
    connections = [pool.getconn() for _ in range(FINISHING_CONNECTIONS)]
    try:
        return deferred.finish(connections)
    except DatabaseError as exc:
        raise DatabaseError(f"the demo data is stored, but {exc}") from None
    finally:
        for conn in connections:
            pool.putconn(conn)


def _alter(table: str, action: str, name: str) -> sql.Composed:
    """ALTER TABLE table <action with the name as identifier>."""
    return sql.SQL("ALTER TABLE {} ").format(sql.Identifier(table)) + sql.SQL(action).format(
        sql.Identifier(name)
    )


def _copy(
    cur: psycopg2.extensions.cursor, table: str, data: pa.Table, freeze: bool = False
) -> None:
    """COPY in binary, with each column's type read from the catalog."""
    cur.execute(_COLUMN_TYPES, (table,))
    copy_binary(cur, table, data, dict(cur.fetchall()), freeze=freeze)


def _areas_table(areas: gpd.GeoDataFrame, version: int) -> pa.Table:
    """The area rows as the `areas` table's columns, with full and display geometries."""
    geoms = areas.geometry.to_numpy()
    display = display_geometries(geoms, areas["level"].to_numpy())
    return pa.table(
        {
            "version_id": pa.array(np.full(len(areas), version, dtype=np.int32)),
            "code": pa.array(areas["code"].to_numpy(dtype=object)),
            "parent_code": pa.array(
                areas["parent_code"].astype(object).to_numpy(), from_pandas=True
            ),
            "name": pa.array(areas["name"].to_numpy(dtype=object)),
            "level": pa.array(areas["level"].to_numpy(dtype=object)),
            "kind": pa.array(areas["kind"].astype(object).to_numpy(), from_pandas=True),
            "population": pa.array(areas["population"].to_numpy(dtype=np.int64)),
            "geom": pa.array(_ewkb(geoms)),
            "geom_display": pa.array(_ewkb(display)),
        }
    )


def _centers_table(centers: gpd.GeoDataFrame) -> pa.Table:
    """The center rows as the `centers` table's columns."""
    points = centers.geometry.to_numpy()
    return pa.table(
        {
            "code": pa.array(centers["code"].to_numpy(dtype=object)),
            "name": pa.array(centers["name"].to_numpy(dtype=object)),
            "level": pa.array(centers["level"].to_numpy(dtype=object)),
            "area_code": pa.array(centers["area_code"].to_numpy(dtype=object)),
            "parent_code": pa.array(
                centers["parent_code"].astype(object).to_numpy(), from_pandas=True
            ),
            "geom": point_ewkb(shapely.get_x(points), shapely.get_y(points), PROJECT_SRID),
        }
    )


def _incidents_table(cases: pd.DataFrame) -> pa.Table:
    """The incident rows as the `incidents` table's columns (lon/lat become the point)."""
    table = pa.Table.from_pandas(cases.drop(columns=["lon", "lat"]), preserve_index=False)
    geom = point_ewkb(cases["lon"].to_numpy(), cases["lat"].to_numpy(), PROJECT_SRID)
    return table.append_column("geom", geom)


def _events_table(events: pd.DataFrame) -> pa.Table:
    """The event rows as the `incident_events` table's columns, with ids in order."""
    table = pa.Table.from_pandas(events, preserve_index=False)
    ids = pa.array(np.arange(1, len(events) + 1, dtype=np.int64))
    return table.add_column(0, "id", ids)


def _ewkb(geoms: np.ndarray) -> np.ndarray:
    """Geometries as EWKB with the project SRID."""
    return shapely.to_wkb(shapely.set_srid(geoms, PROJECT_SRID), include_srid=True)


def _first_line(exc: psycopg2.Error) -> str:
    lines = (exc.pgerror or str(exc)).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _wrapped(exc: psycopg2.Error) -> Exception:
    """The project's error for a driver error during the seed (nothing was written)."""
    if isinstance(exc, psycopg2.IntegrityError | psycopg2.DataError):
        return DataError(
            f"the database rejected the demo data, nothing was written: {_first_line(exc)}"
        )
    return DatabaseError(f"seeding the demo failed, nothing was written: {_first_line(exc)}")


class _Clock:
    """Wall-clock time per phase."""

    def __init__(self) -> None:
        self._start = self._last = time.perf_counter()
        self._laps: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self._laps[phase] = now - self._last
        self._last = now

    def timings(self) -> dict[str, float]:
        return {**self._laps, "total": time.perf_counter() - self._start}
