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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg2.extensions
import psycopg2.extras
import shapely

from geo.boundaries.metric import length_m
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
    id bigint PRIMARY KEY, grid_code text, community_code text, street_code text,
    district_code text
) ON COMMIT DROP
"""
_ALL_INCIDENTS = "SELECT id, ST_X(geom), ST_Y(geom), grid_code FROM incidents"
_CLEAR_UNPLACED = "DELETE FROM boundary_unplaced_incidents WHERE version_id = %(version_id)s"
_LOCK_INCIDENTS = "LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE"
_COLUMNS = ["id", "x", "y", "grid_code"]
_DTYPES = {"id": "int64", "x": "float64", "y": "float64", "grid_code": str}


@dataclass(frozen=True)
class ReassignResult:
    """How many incidents were looked at, moved, snapped to a grid, or left for review."""

    considered: int
    moved: int
    snapped: int
    unplaced: int
    seconds: float

    def to_dict(self) -> dict:
        """JSON-ready figures."""
        return {**self.__dict__, "seconds": round(self.seconds, 2)}


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
    """The grids of a version and their community, street and district codes."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(load_sql("boundaries_grid_chain"), {"version_id": version_id})
        rows = cur.fetchall()
    frame = pd.DataFrame(
        rows, columns=["code", "community_code", "street_code", "district_code", "wkb"]
    )
    wkb = np.array([bytes(w) for w in frame.pop("wkb")], dtype=object)
    return GridSet(frame, shapely.from_wkb(wkb) if len(wkb) else np.empty(0, dtype=object))


def changes(old: GridSet, new: GridSet) -> tuple[list[str], list[shapely.Geometry]]:
    """Codes whose grid moved, appeared, vanished or changed parents, and where outlines moved."""
    o = old.chain.assign(geom=old.geom).set_index("code")
    n = new.chain.assign(geom=new.geom).set_index("code")
    common = o.index.intersection(n.index)
    chain_cols = ["community_code", "street_code", "district_code"]
    same_geom = shapely.equals_exact(
        n.loc[common, "geom"].to_numpy(dtype=object),
        o.loc[common, "geom"].to_numpy(dtype=object),
        tolerance=0.0,
    )
    same_chain = (n.loc[common, chain_cols].to_numpy() == o.loc[common, chain_cols].to_numpy()).all(
        axis=1
    )
    reshaped = common[~same_geom]
    codes = set(o.index.difference(n.index)) | set(n.index.difference(o.index))
    codes |= set(reshaped) | set(common[~same_chain])
    region = list(n.loc[n.index.difference(o.index), "geom"])
    if len(reshaped):
        region += list(
            shapely.symmetric_difference(
                n.loc[reshaped, "geom"].to_numpy(dtype=object),
                o.loc[reshaped, "geom"].to_numpy(dtype=object),
            )
        )
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
        codes: list[str] | None = None
        if everything or old is None:
            incidents = copy_query(cur, _ALL_INCIDENTS, {}, _COLUMNS, _DTYPES)
        else:
            codes, region = changes(old, new)
            if not codes and not region:
                return ReassignResult(0, 0, 0, 0, time.perf_counter() - start)
            if len(codes) > FULL_SCAN_SHARE * len(new.geom):
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
        placed = _place(incidents, new)
        moved = placed["grid_code"] != placed["previous"]
        if codes is not None:
            moved |= placed["grid_code"].isin(codes)
        else:
            moved[:] = True  # parents may differ without a change of grid: compare in SQL
        cur.execute(_MOVES_TABLE)
        copy_rows(
            cur,
            "boundary_moves",
            ["id", "grid_code", "community_code", "street_code", "district_code"],
            list(placed.loc[moved, ["id", "grid_code", "community_code", "street_code",
                                    "district_code"]].itertuples(index=False, name=None)),
        )  # fmt: skip
        cur.execute(load_sql("boundaries_apply_moves"))
        updated = cur.rowcount
        unplaced = placed[placed["far"]]
        if len(unplaced):
            copy_rows(
                cur,
                "boundary_unplaced_incidents",
                ["version_id", "incident_id", "distance_m", "previous_grid", "assigned_grid"],
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
            )
    return ReassignResult(
        considered=len(incidents),
        moved=updated,
        snapped=int(placed["snapped"].sum()),
        unplaced=len(unplaced),
        seconds=time.perf_counter() - start,
    )


def _place(incidents: pd.DataFrame, grids: GridSet) -> pd.DataFrame:
    """The new grid (and parents) of each incident by the documented rule."""
    n = len(incidents)
    points = shapely.points(incidents["x"].to_numpy(), incidents["y"].to_numpy())
    tree = shapely.STRtree(grids.geom)
    hit = np.full(n, -1, dtype=np.int64)
    if n:
        pts, grid_idx = tree.query(points, predicate="intersects")
        order = np.lexsort((grid_idx, pts))  # smallest code first (grids are ordered by code)
        pts, grid_idx = pts[order], grid_idx[order]
        first = np.unique(pts, return_index=True)[1]
        hit[pts[first]] = grid_idx[first]
    missing = np.flatnonzero(hit < 0)
    distance = np.zeros(n)
    snapped = np.zeros(n, dtype=bool)
    far = np.zeros(n, dtype=bool)
    if len(missing):
        nearest = tree.query_nearest(points[missing], all_matches=False)[1]
        metres = length_m(shapely.shortest_line(points[missing], grids.geom[nearest]))
        distance[missing] = metres
        hit[missing] = nearest
        near = metres <= SNAP_M
        snapped[missing[near]] = True
        far[missing[~near]] = True
        position = {code: k for k, code in enumerate(grids.codes)}
        previous = incidents["grid_code"].to_numpy(dtype=object)
        for k in missing[~near]:
            if previous[k] in position:
                hit[k] = position[previous[k]]
    chain = grids.chain.iloc[hit].reset_index(drop=True)
    return pd.DataFrame(
        {
            "id": incidents["id"].to_numpy(),
            "grid_code": chain["code"].to_numpy(dtype=object),
            "community_code": chain["community_code"].to_numpy(dtype=object),
            "street_code": chain["street_code"].to_numpy(dtype=object),
            "district_code": chain["district_code"].to_numpy(dtype=object),
            "previous": incidents["grid_code"].to_numpy(dtype=object),
            "distance_m": distance,
            "snapped": snapped,
            "far": far,
        }
    )
