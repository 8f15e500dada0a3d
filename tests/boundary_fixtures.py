"""A small boundary tree in Lanzhou, loaded into a scratch database, and boundary-file writers.

The tree: city 620100 > district 620102 > 2 streets > 4 communities > 16 grids, all
rectangles, with incidents scattered over the district. The writers produce the files GIS
staff receive, in every format, CRS and encoding the upload must read.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg2
import pyogrio
import shapely
from pyproj import CRS

from geo import db
from geo.display import display_geometries
from tests.support import checksums

DISTRICT = (103.60, 36.00, 103.80, 36.10)
CITY = (103.50, 35.95, 103.90, 36.15)
KIND_ZH = {"urban": "城镇", "rural": "农村", "dedicated": "专属"}


def tree_frame() -> pd.DataFrame:
    """Every area of the tree: code, parent_code, name, level, kind, population, geom."""
    rows = [("620100", None, "兰州市", "city", None, 0, shapely.box(*CITY))]
    rows.append(("620102", "620100", "城关区", "district", None, 0, shapely.box(*DISTRICT)))
    west, south, east, north = DISTRICT
    mid_x, mid_y = (west + east) / 2, (south + north) / 2
    for s, (x0, x1) in enumerate([(west, mid_x), (mid_x, east)], start=1):
        street = f"620102{s:03d}"
        rows.append(
            (street, "620102", f"第{s}街道", "street", None, 0, shapely.box(x0, south, x1, north))
        )
        for c, (y0, y1) in enumerate([(south, mid_y), (mid_y, north)], start=1):
            community = f"{street}{c:03d}"
            rows.append(
                (
                    community,
                    street,
                    f"第{s}街道第{c}社区",
                    "community",
                    None,
                    0,
                    shapely.box(x0, y0, x1, y1),
                )
            )
            xs, ys = np.linspace(x0, x1, 3), np.linspace(y0, y1, 3)
            g = 0
            for i in range(2):
                for j in range(2):
                    g += 1
                    kind = ("urban", "rural", "dedicated", "urban")[g - 1]
                    rows.append(
                        (
                            f"{community}{g:03d}",
                            community,
                            f"{s}街{c}社区{g}号网格",
                            "grid",
                            kind,
                            1000 + g,
                            shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]),
                        )
                    )
    frame = pd.DataFrame(
        rows, columns=["code", "parent_code", "name", "level", "kind", "population", "geom"]
    )
    frame["geom"] = [shapely.MultiPolygon([g]) for g in frame["geom"]]
    return frame


def grids_gdf(frame: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The grids as a boundary file would hold them, with Chinese field names."""
    frame = tree_frame() if frame is None else frame
    grids = frame[frame["level"] == "grid"]
    return gpd.GeoDataFrame(
        {
            "网格编码": grids["code"].to_numpy(),
            "网格名称": grids["name"].to_numpy(),
            "所属社区编码": grids["parent_code"].to_numpy(),
            "网格类型": [KIND_ZH[k] for k in grids["kind"]],
            "常住人口": grids["population"].to_numpy(),
        },
        geometry=list(grids["geom"]),
        crs="EPSG:4490",
    )


def load_tree(url: str, incidents: int = 400, seed: int = 5) -> None:
    """Write the tree as the current version 1, with incidents assigned to their grids."""
    frame = tree_frame()
    display = display_geometries(frame["geom"].to_numpy(dtype=object), frame["level"].to_numpy())
    conn = db.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO boundary_versions (created_by, source, is_current) "
                "VALUES ('fixture', 'tests', true) RETURNING id"
            )
            version = cur.fetchone()[0]
            for row, shown in zip(frame.itertuples(), display, strict=True):
                cur.execute(
                    "INSERT INTO areas (version_id, code, parent_code, name, level, kind,"
                    " population, geom, geom_display) VALUES (%s, %s, %s, %s, %s, %s, %s,"
                    " ST_GeomFromWKB(%s, 4490), ST_GeomFromWKB(%s, 4490))",
                    (version, row.code, _none(row.parent_code), row.name, row.level,
                     _none(row.kind), row.population, shapely.to_wkb(row.geom),
                     shapely.to_wkb(shown)),
                )  # fmt: skip
            rng = np.random.default_rng(seed)
            west, south, east, north = DISTRICT
            xs = rng.uniform(west + 1e-5, east - 1e-5, incidents)
            ys = rng.uniform(south + 1e-5, north - 1e-5, incidents)
            grids = frame[frame["level"] == "grid"].reset_index(drop=True)
            tree = shapely.STRtree(grids["geom"].to_numpy(dtype=object))
            parents = frame.set_index("code")["parent_code"]
            for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
                hit = tree.query(shapely.Point(x, y), predicate="intersects")
                grid = grids["code"].iat[int(min(hit))]
                community = parents[grid]
                street = parents[community]
                cur.execute(
                    "INSERT INTO incidents (source, category, severity, geom, grid_code,"
                    " community_code, street_code, district_code, reported_at, deadline_at,"
                    " status, description) VALUES ('hotline_12345', 'dispute', 2,"
                    " ST_SetSRID(ST_MakePoint(%s, %s), 4490), %s, %s, %s, %s,"
                    " now() - interval '2 days', now() + interval '3 days', 'reported', %s)",
                    (float(x), float(y), grid, community, street, parents[street], f"诉求{k}"),
                )
    finally:
        conn.close()


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def table_checksums(url: str) -> dict[str, str]:
    """A checksum of every row of the tables a publication touches, and the current version."""
    tables = [
        "boundary_versions", "areas", "incidents", "boundary_events",
        "boundary_field_mappings", "boundary_unplaced_incidents", "area_tile_cuts",
        "area_tile_cut_sets",
    ]  # fmt: skip
    out = checksums(url, tables)
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM boundary_versions WHERE is_current")
            row = cur.fetchone()
            out["current"] = str(row[0] if row else None)
        return out
    finally:
        conn.close()


# --- writers ------------------------------------------------------------------------------


def to_crs(gdf: gpd.GeoDataFrame, srid: int) -> gpd.GeoDataFrame:
    """The frame in another CRS."""
    return gdf.to_crs(srid)


def geojson_bytes(
    gdf: gpd.GeoDataFrame, encoding: str = "utf-8", crs_member: bool = False
) -> bytes:
    """GeoJSON text; a `crs` member (2008 style) when asked; in any text encoding."""
    data = json.loads(gdf.to_json(drop_id=True))
    data.pop("crs", None)
    if crs_member:
        data["crs"] = {
            "type": "name",
            "properties": {"name": f"urn:ogc:def:crs:EPSG::{gdf.crs.to_epsg()}"},
        }
    return json.dumps(data, ensure_ascii=False).encode(encoding)


ESRI_PRJ = "esri"
OGC_PRJ = "ogc"


def shapefile_zip(
    gdf: gpd.GeoDataFrame,
    folder: str = "",
    stem: str = "网格",
    encoding: str = "UTF-8",
    cpg: bool = True,
    prj: str | None = ESRI_PRJ,
    drop: tuple[str, ...] = (),
    gbk_names: bool = False,
    tmp: Path | None = None,
) -> bytes:
    """A zipped Shapefile as districts send them: any folder, encoding, .prj form, parts missing."""
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"{stem}.shp"
        pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding=encoding)
        cpg_path = path.with_suffix(".cpg")
        if not cpg and cpg_path.exists():
            cpg_path.unlink()
        if not cpg:
            dbf = path.with_suffix(".dbf")
            raw = bytearray(dbf.read_bytes())
            raw[29] = 0  # no language driver either: nothing declares the encoding
            dbf.write_bytes(bytes(raw))
        prj_path = path.with_suffix(".prj")
        if prj is None:
            prj_path.unlink(missing_ok=True)
        elif prj == OGC_PRJ:
            prj_path.write_text(CRS.from_user_input(gdf.crs).to_wkt("WKT1_GDAL"))
        buffer = io.BytesIO()
        renames: dict[bytes, bytes] = {}
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for k, part in enumerate(sorted(Path(work).iterdir())):
                if part.suffix.lower() in drop:
                    continue
                name = f"{folder}/{part.name}" if folder else part.name
                if gbk_names:  # as Chinese Windows zips them: GBK bytes, no UTF-8 flag
                    raw = name.encode("gbk")
                    placeholder = f"{k:02d}".encode() + b"x" * (len(raw) - 2)
                    renames[placeholder] = raw
                    name = placeholder.decode()
                archive.write(part, name)
        data = buffer.getvalue()
        for placeholder, raw in renames.items():
            data = data.replace(placeholder, raw)
        return data


def gpkg_bytes(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """A GeoPackage with the given layers."""
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "boundaries.gpkg"
        for name, gdf in layers.items():
            pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG", append=path.exists())
        return path.read_bytes()


def kml_bytes(gdf: gpd.GeoDataFrame) -> bytes:
    """KML (always WGS84) as GDAL writes it, attributes in ExtendedData."""
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "grids.kml"
        pyogrio.write_dataframe(gdf.to_crs(4326), path, driver="KML")
        return path.read_bytes()


def digest(data: bytes) -> str:
    """SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()
