"""Re-assign incidents to the grid that contains them when the boundaries change.

Rule (documented in docs/boundaries.md): an incident inside a grid gets that grid (a point on
a shared edge gets the grid with the smallest code). An incident in no grid gets the nearest
grid when it lies within SNAP_M of it (GPS noise, points on roads along the outline). Farther
away, it keeps its previous grid if that grid still exists, else it gets the nearest grid; in
both cases it is listed in `boundary_unplaced_incidents` for the version, for someone to look at.
Only incidents whose grid may change are read: those of added, removed, reshaped or re-parented
grids, and those inside the region where outlines moved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import psycopg2.extensions
import psycopg2.extras
import shapely

from geo.boundaries.check import NOISE_M2
from geo.boundaries.metric import area_m2, length_m
from geo.boundaries.pgcopy import copy_query, copy_rows
from geo.sqlfiles import load_sql

SNAP_M = 50.0
# Above this share of changed grids, reading every incident is cheaper than the region join.
FULL_SCAN_SHARE = 0.3

_REGION_TABLE = "CREATE TEMP TABLE boundary_region (geom geometry(Geometry, 4490)) ON COMMIT DROP"
_REGION_INDEX = "CREATE INDEX ON boundary_region USING gist (geom)"
_REGION_ROW = "INSERT INTO boundary_region (geom) VALUES (ST_GeomFromWKB(%s, 4490))"
_MOVES_TABLE = """
CREATE TEMP TABLE boundary_moves (
    id bigint, grid_code text, community_code text, street_code text, district_code text
) ON COMMIT DROP
"""
_ANALYZE_MOVES = "ANALYZE boundary_moves"
_ALL_INCIDENTS = """
SELECT id, ST_X(geom), ST_Y(geom), grid_code, community_code, street_code, district_code
FROM incidents
"""
_INSERT_UNPLACED = """
INSERT INTO boundary_unplaced_incidents
    (version_id, incident_id, distance_m, previous_grid, assigned_grid)
VALUES %s
"""
_CLEAR_UNPLACED = "DELETE FROM boundary_unplaced_incidents WHERE version_id = %(version_id)s"
_LOCK_INCIDENTS = "LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE"
_CODES = ["grid_code", "community_code", "street_code", "district_code"]
_COLUMNS = ["id", "x", "y", *_CODES]
_DTYPES = {"id": "int64", "x": "float64", "y": "float64", **dict.fromkeys(_CODES, object)}


@dataclass(frozen=True)
class ReassignResult:
    """How many incidents were looked at, moved, snapped to a grid, or left for review."""

    considered: int
    moved: int
    snapped: int
    unplaced: int
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)  # read, place, update (seconds)

    def to_dict(self) -> dict:
        """JSON-ready figures."""
        steps = {k: round(v, 2) for k, v in self.steps.items()}
        return {**self.__dict__, "seconds": round(self.seconds, 2), "steps": steps}


@dataclass
class GridSet:
    """One version's grids with their parents' codes."""

    chain: pd.DataFrame  # code, community_code, street_code, district_code (ordered by code)
    geom: np.ndarray

    @property
    def codes(self) -> np.ndarray:
        """Grid codes in order."""
        return self.chain["code"].to_numpy(dtype=object)


def grid_set(conn: psycopg2.extensions.connection, version_id: int) -> GridSet:
    """The grids of a version (ordered by code) and their community, street and district codes."""
    with conn.cursor() as cur:
        cur.execute(load_sql("boundaries_grid_chain"), {"version_id": version_id})
        rows = cur.fetchall()
    parent = {code: parent_code for code, parent_code, _, _ in rows}
    grids = sorted((code, wkb) for code, _, level, wkb in rows if level == "grid")
    codes = [code for code, _ in grids]
    community = [parent.get(code) for code in codes]
    street = [parent.get(c) for c in community]
    frame = pd.DataFrame(
        {
            "code": codes,
            "community_code": community,
            "street_code": street,
            "district_code": [parent.get(s) for s in street],
        },
        dtype=object,
    )
    wkb = np.array([bytes(w) for _, w in grids], dtype=object)
    return GridSet(frame, shapely.from_wkb(wkb) if len(wkb) else np.empty(0, dtype=object))


def changes(old: GridSet, new: GridSet) -> tuple[list[str], list[shapely.Geometry]]:
    """Codes whose incidents must be looked at, and the region where grid outlines moved.

    Codes: grids that vanished, appeared or changed parents. Region: the new grids and, for a
    reshaped grid, the difference between its old and new outline (an incident outside that
    difference stays in the same grid); differences under NOISE_M2 are rounding, not moves.
    """
    o = old.chain.assign(geom=old.geom).set_index("code")
    n = new.chain.assign(geom=new.geom).set_index("code")
    common = o.index.intersection(n.index)
    chain_cols = ["community_code", "street_code", "district_code"]
    new_geom = n.loc[common, "geom"].to_numpy(dtype=object)
    old_geom = o.loc[common, "geom"].to_numpy(dtype=object)
    moved = ~shapely.equals_exact(new_geom, old_geom, tolerance=0.0)
    same_chain = (n.loc[common, chain_cols].to_numpy() == o.loc[common, chain_cols].to_numpy()).all(
        axis=1
    )
    codes = set(o.index.difference(n.index)) | set(n.index.difference(o.index))
    codes |= set(common[~same_chain])
    region = list(n.loc[n.index.difference(o.index), "geom"])
    if moved.any():
        shifted = shapely.symmetric_difference(new_geom[moved], old_geom[moved])
        region += list(shifted[area_m2(shifted) > NOISE_M2])
    return sorted(codes), [g for g in region if g is not None and not g.is_empty]


def reassign(
    conn: psycopg2.extensions.connection,
    new_version_id: int,
    old: GridSet | None,
    everything: bool = False,
) -> ReassignResult:
    """Give incidents the grid of `new_version_id` containing them (in the caller's transaction).

    `old` is the grid set they were assigned with; None (or `everything`) looks at every incident.
    """
    start = time.perf_counter()
    new = grid_set(conn, new_version_id)
    with conn.cursor() as cur:
        cur.execute(_LOCK_INCIDENTS)
        cur.execute(_CLEAR_UNPLACED, {"version_id": new_version_id})
        if not len(new.geom):
            return ReassignResult(0, 0, 0, 0, time.perf_counter() - start)
        if everything or old is None:
            incidents = copy_query(cur, _ALL_INCIDENTS, {}, _COLUMNS, _DTYPES)
        else:
            codes, region = changes(old, new)
            if not codes and not region:
                return ReassignResult(0, 0, 0, 0, time.perf_counter() - start)
            if len(codes) + len(region) > FULL_SCAN_SHARE * len(new.geom):
                incidents = copy_query(cur, _ALL_INCIDENTS, {}, _COLUMNS, _DTYPES)
            else:
                cur.execute(_REGION_TABLE)
                psycopg2.extras.execute_batch(
                    cur, _REGION_ROW, [(shapely.to_wkb(g),) for g in region], page_size=500
                )
                cur.execute(_REGION_INDEX)
                cur.execute("ANALYZE boundary_region")
                incidents = copy_query(
                    cur, load_sql("boundaries_candidate_incidents"), {"codes": codes}, _COLUMNS,
                    _DTYPES,
                )  # fmt: skip
        read = time.perf_counter()
        placed = _place(incidents, new)
        moved = np.zeros(len(placed), dtype=bool)
        for column in _CODES:
            moved |= placed[column].to_numpy(dtype=object) != incidents[column].to_numpy(
                dtype=object
            )
        cur.execute(_MOVES_TABLE)
        copy_rows(
            cur,
            "boundary_moves",
            ["id", "grid_code", "community_code", "street_code", "district_code"],
            list(placed.loc[moved, ["id", "grid_code", "community_code", "street_code",
                                    "district_code"]].itertuples(index=False, name=None)),
        )  # fmt: skip
        cur.execute(_ANALYZE_MOVES)
        placing = time.perf_counter()
        cur.execute(load_sql("boundaries_apply_moves"))
        updated = cur.rowcount
        steps = {
            "read": read - start,
            "place": placing - read,
            "update": time.perf_counter() - placing,
        }
        unplaced = placed[placed["far"]]
        if len(unplaced):
            # INSERT, not COPY: the table is under row-level security when a page publishes
            psycopg2.extras.execute_values(
                cur,
                _INSERT_UNPLACED,
                [
                    (
                        new_version_id,
                        int(r.id),
                        round(float(r.distance_m), 1),
                        r.previous,
                        r.grid_code,
                    )
                    for r in unplaced.itertuples()
                ],
                page_size=1000,
            )
    return ReassignResult(
        considered=len(incidents),
        moved=updated,
        snapped=int(placed["snapped"].sum()),
        unplaced=len(unplaced),
        seconds=time.perf_counter() - start,
        steps=steps,
    )


def _place(incidents: pd.DataFrame, grids: GridSet) -> pd.DataFrame:
    """The new grid (and parents) of each incident by the documented rule.

    Most incidents are still inside the grid of the same code: that is tested first, point by
    point against the prepared outline of that grid (no index lookup), and only the others go
    through the spatial index.
    """
    n = len(incidents)
    x = incidents["x"].to_numpy(dtype=float)
    y = incidents["y"].to_numpy(dtype=float)
    previous = incidents["grid_code"].to_numpy(dtype=object)
    position = pd.Series(np.arange(len(grids.geom)), index=grids.codes)
    was = position.reindex(previous).to_numpy(dtype=float)
    known = ~np.isnan(was)
    hit = np.full(n, -1, dtype=np.int64)
    shapely.prepare(grids.geom)
    if known.any():
        same = np.flatnonzero(known)
        inside = shapely.intersects_xy(grids.geom[was[same].astype(np.int64)], x[same], y[same])
        hit[same[inside]] = was[same[inside]].astype(np.int64)
    rest = np.flatnonzero(hit < 0)
    tree = shapely.STRtree(grids.geom)
    points = shapely.points(x[rest], y[rest])
    if len(rest):
        pts, grid_idx = tree.query(points, predicate="intersects")
        order = np.lexsort((grid_idx, pts))  # smallest code first (grids are ordered by code)
        pts, grid_idx = pts[order], grid_idx[order]
        first = np.unique(pts, return_index=True)[1]
        hit[rest[pts[first]]] = grid_idx[first]
    still_missing = hit[rest] < 0
    missing = rest[still_missing]
    distance = np.zeros(n)
    snapped = np.zeros(n, dtype=bool)
    far = np.zeros(n, dtype=bool)
    if len(missing):
        lost = points[still_missing]
        nearest = tree.query_nearest(lost, all_matches=False)[1]
        metres = length_m(shapely.shortest_line(lost, grids.geom[nearest]))
        distance[missing] = metres
        hit[missing] = nearest
        near = metres <= SNAP_M
        snapped[missing[near]] = True
        far[missing[~near]] = True
        keep = missing[~near & known[missing]]
        hit[keep] = was[keep].astype(np.int64)
    chain = grids.chain.to_numpy(dtype=object)[hit]
    return pd.DataFrame(
        {
            "id": incidents["id"].to_numpy(),
            "grid_code": chain[:, 0],
            "community_code": chain[:, 1],
            "street_code": chain[:, 2],
            "district_code": chain[:, 3],
            "previous": previous,
            "distance_m": distance,
            "snapped": snapped,
            "far": far,
        }
    )
