"""Benchmark of the boundary upload on a full-scale demo: check + preview, publish + re-assign.

Usage (DATABASE_URL must name a scratch database seeded at full scale, which this writes to):
    minqing demo seed --scale 1.0 --incidents 2400000
    .venv/bin/python bench/boundaries.py

It exports the current grids (7,507 at scale 1.0) as a zipped Shapefile in CGCS2000 / 3-degree
Gauss-Krüger CM 105E with GBK attributes and no .cpg (as a surveying unit would send them), then
times: reading + checking + diff, building the preview HTML, publishing the same grids again,
publishing a re-survey in which every grid edge has moved (so every incident is looked at),
and rolling back. Prints one line per figure.

    .venv/bin/python bench/boundaries.py removal

times only publications that delete areas (confirmed, `allow_removal=True`), each rolled
back: a partial update giving one street's 169 grids new codes (every old code deleted, its
incidents move to the new grid over them), and a city file lacking one district's grids (a
filtered export: 西固区's 609 grids deleted, about 230,000 incidents move to the nearest
remaining grids); with BENCH_WORST_CASE=1 also one district's file published as the whole
city (every other district's grids deleted).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import psycopg2
import pyogrio
import shapely

from geo import db
from geo.boundaries.errors import RemovalNotConfirmed
from geo.boundaries.export import current_level_frame
from geo.boundaries.prepare import UploadOptions, prepare_upload
from geo.boundaries.publish import publish, rollback
from geo.bounds import LngLatBbox
from layers.preview import Outline, ProblemMark, load_assets, offline_html, preview_map

T = TypeVar("T")
LEAFLET = Path(__file__).resolve().parent.parent / "dashboard" / "static" / "leaflet"


def shapefile_zip(frame: gpd.GeoDataFrame, srid: int = 4544) -> bytes:
    """The frame as a zipped GBK Shapefile without .cpg, in a Gauss-Krüger zone."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "网格.shp"
        out = frame.rename(columns={"code": "WGBM", "name": "WGMC", "parent_code": "SQBM",
                                    "kind": "WGLX", "population": "RK"}).to_crs(srid)  # fmt: skip
        out["WGLX"] = out["WGLX"].map({"urban": "城镇", "rural": "农村", "dedicated": "专属"})
        pyogrio.write_dataframe(out, path, driver="ESRI Shapefile", encoding="GBK")
        path.with_suffix(".cpg").unlink(missing_ok=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in Path(work).iterdir():
                archive.write(part, f"成果/{part.name}")
        return buffer.getvalue()


def resurveyed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every shared vertex nudged by up to ~8 m (the same nudge for the same vertex)."""
    moved = frame.copy()

    def nudge(coords: np.ndarray) -> np.ndarray:
        key = np.round(coords * 1e6).astype(np.int64)
        dx = ((key[:, 0] * 7919 + key[:, 1] * 104729) % 1000) / 1000 - 0.5
        dy = ((key[:, 0] * 15485863 + key[:, 1] * 32452843) % 1000) / 1000 - 0.5
        return coords + np.column_stack([dx, dy]) * 1.6e-4

    moved["geometry"] = shapely.make_valid(shapely.transform(frame.geometry.values, nudge))
    return moved


def repartitioned(frame: gpd.GeoDataFrame, communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A re-survey: each community cut again into as many grids (Voronoi of moved centres).

    An exact coverage again (publishable), but every internal grid edge moves: a large share
    of the incidents changes grid.
    """
    rng = np.random.default_rng(11)
    parents = dict(zip(communities["code"], communities.geometry, strict=True))
    rows = []
    for parent, group in frame.groupby("parent_code"):
        outline = parents[parent]
        centres = shapely.point_on_surface(group.geometry.to_numpy())
        moved = [
            shapely.Point(p.x + rng.normal(0, 2e-4), p.y + rng.normal(0, 2e-4)) for p in centres
        ]
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.MultiPoint(moved), extend_to=outline)
        )
        order = shapely.STRtree(cells).query(moved, predicate="intersects")
        cell_of = dict(zip(order[0], order[1], strict=False))
        for k, (_, row) in enumerate(group.iterrows()):
            cell = cells[cell_of.get(k, k % len(cells))]
            rows.append({**row.drop("geometry").to_dict(), "geometry": cell.intersection(outline)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs)


def recoded(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Grid codes rotated within each community: every grid keeps its outline, gets a new code.

    Nearly every incident then belongs to another grid code: the worst case for re-assignment.
    """
    out = frame.sort_values(["parent_code", "code"]).copy()
    out["code"] = out.groupby("parent_code")["code"].transform(lambda c: np.roll(c.to_numpy(), 1))
    return out


def removals(conn: psycopg2.extensions.connection, frame: gpd.GeoDataFrame) -> None:
    """Publications that delete areas, each confirmed and then rolled back."""
    district = frame["code"].str[:6]
    street = frame[frame["code"].str.startswith("620102001")].copy()
    street["code"] = street["code"].str[:12] + "9" + street["code"].str[13:]
    cases = [
        ("a partial update re-coding one street's grids (620102001)", street, True),
        ("a city file lacking 西固区 (620104)", frame[district != "620104"], False),
    ]
    if os.environ.get("BENCH_WORST_CASE"):
        cases.append(("城关区 (620102) alone as the city", frame[district == "620102"], False))
    for label, part, partial in cases:
        data = shapefile_zip(part)
        options = UploadOptions(level="grid", partial=partial)
        prepared = timed(
            f"read + check {label}",
            lambda data=data, options=options: prepare_upload(conn, data, "part.zip", options),
        )
        conn.rollback()
        removal = prepared.removal
        print(
            f"  removal: {len(removal.areas):,} grids, {removal.incidents:,} incidents, "
            f"{len(removal.emptied):,} communities emptied; "
            f"counted in {prepared.timings['removal']:.2f} s; can publish: {prepared.can_publish}"
        )
        try:
            publish(conn, prepared, "bench")
        except RemovalNotConfirmed:
            print("  refused without the confirmation (as it must be)")
        result = timed(
            f"publish {label} (removal confirmed)",
            lambda prepared=prepared: publish(conn, prepared, "bench", allow_removal=True),
        )
        print(f"  re-assignment: {result.reassigned.to_dict()}")
        back = timed("rollback", lambda result=result: rollback(conn, result.previous_version_id,
                                                                "bench"))  # fmt: skip
        print(f"  re-assignment: {back.reassigned.to_dict()}")


def timed(label: str, func: Callable[[], T]) -> T:
    """Run, print the seconds it took, return the result."""
    start = time.perf_counter()
    result = func()
    print(f"{label}: {time.perf_counter() - start:.2f} s", flush=True)
    return result


def main() -> None:
    """Run the benchmark against DATABASE_URL."""
    url = os.environ["DATABASE_URL"]
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM incidents")
        incidents = cur.fetchone()[0]
    frame = current_level_frame(conn, "grid")
    conn.rollback()
    print(f"grids: {len(frame):,}; incidents: {incidents:,}; cores: {os.cpu_count()}")
    if sys.argv[1:] == ["removal"]:
        removals(conn, frame)
        conn.close()
        return
    data = shapefile_zip(frame)
    print(f"file: zipped Shapefile, EPSG:4544, GBK without .cpg, {len(data) / 2**20:.1f} MB")
    prepared = timed(
        "read + CRS + check + diff",
        lambda: prepare_upload(conn, data, "grids.zip", UploadOptions(level="grid")),
    )
    conn.rollback()
    print("  steps:", ", ".join(f"{k} {v:.2f}s" for k, v in prepared.timings.items()))
    print(f"  problems: {len(prepared.problems)}; diff: {prepared.diff.counts()}")
    assets = load_assets(LEAFLET)

    def preview() -> str:
        c = prepared.result.candidates
        new = [Outline(str(a), str(b), g) for a, b, g in zip(c.code, c.name, c.geom, strict=True)]
        marks = [ProblemMark(p.severity, p.title(), p.detail, p.feature, p.code, p.lon, p.lat,
                             p.geometry) for p in prepared.problems]  # fmt: skip
        labels = {k: k for k in ("parent", "current", "new", "added", "removed", "reshaped",
                                 "renamed", "problems")}  # fmt: skip
        bounds = LngLatBbox(*shapely.total_bounds(c.geom))
        return offline_html(preview_map([], [], new, {}, marks, bounds, labels), assets)

    html = timed("preview HTML", preview)
    print(f"  preview size: {len(html) / 2**20:.1f} MB")
    result = timed("publish (same grids)", lambda: publish(conn, prepared, "bench"))
    print(f"  re-assignment: {result.reassigned.to_dict()}")
    moved_data = shapefile_zip(resurveyed(frame))
    surveyed = timed(
        "read + check a re-survey (every edge moved up to 8 m)",
        lambda: prepare_upload(
            conn, moved_data, "resurvey.zip", UploadOptions(level="grid", repair=True)
        ),
    )
    conn.rollback()
    errors = sum(p.severity == "error" for p in surveyed.problems)
    print(f"  problems: {len(surveyed.problems):,} ({errors:,} errors); {surveyed.diff.counts()}")
    communities = current_level_frame(conn, "community")
    conn.rollback()
    cut = shapefile_zip(repartitioned(frame, communities))
    survey = timed(
        "read + check a re-survey (every community cut again)",
        lambda: prepare_upload(conn, cut, "resurvey.zip", UploadOptions(level="grid", repair=True)),
    )
    conn.rollback()
    errors = [p for p in survey.problems if p.severity == "error"]
    print(f"  problems: {len(survey.problems):,} ({len(errors)} errors); {survey.diff.counts()}")
    if not errors:
        result = timed("publish (re-survey)", lambda: publish(conn, survey, "bench"))
        print(f"  re-assignment: {result.reassigned.to_dict()}")
        back = timed("rollback", lambda: rollback(conn, result.previous_version_id, "bench"))
        print(f"  re-assignment: {back.reassigned.to_dict()}")
    rotated = shapefile_zip(recoded(frame))
    changed = timed(
        "read + check codes rotated within communities",
        lambda: prepare_upload(conn, rotated, "recoded.zip", UploadOptions(level="grid")),
    )
    conn.rollback()
    print(f"  problems: {len(changed.problems)}; diff: {changed.diff.counts()}")
    if os.environ.get("BENCH_WORST_CASE"):
        result = timed("publish (codes rotated: every incident moves)",
                       lambda: publish(conn, changed, "bench"))  # fmt: skip
        print(f"  re-assignment: {result.reassigned.to_dict()}")
    with psycopg2.connect(url) as check, check.cursor() as cur:
        cur.execute("SELECT count(*) FROM boundary_versions")
        print(f"versions now: {cur.fetchone()[0]}")
    conn.close()


if __name__ == "__main__":
    main()
