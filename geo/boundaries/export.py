"""Export the current areas of one level as a file GIS staff can edit and upload again."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import psycopg2.extensions
import pyogrio

from geo.boundaries.errors import UnsupportedFile
from geo.boundaries.store import current_version, level_areas
from geo.errors import DataError
from geo.settings import PROJECT_SRID

DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".zip": "ESRI Shapefile"}


def current_level_frame(conn: psycopg2.extensions.connection, level: str) -> gpd.GeoDataFrame:
    """The current areas of a level (code, name, parent_code, kind, population) in EPSG:4490."""
    version = current_version(conn)
    if version is None:
        raise DataError("数据库中还没有边界数据")
    frame = level_areas(conn, version.id, level)
    return gpd.GeoDataFrame(
        frame.drop(columns="geom"), geometry=list(frame["geom"]), crs=f"EPSG:{PROJECT_SRID}"
    )


def export_level(conn: psycopg2.extensions.connection, level: str, target: Path) -> int:
    """Write the current areas of a level to .geojson, .gpkg or a zipped Shapefile (.zip)."""
    driver = DRIVERS.get(target.suffix.lower())
    if driver is None:
        raise UnsupportedFile(f"只能导出为 {', '.join(DRIVERS)} 文件")
    frame = current_level_frame(conn, level)
    if driver != "ESRI Shapefile":
        pyogrio.write_dataframe(frame, target, driver=driver, layer=level)
        return len(frame)
    with tempfile.TemporaryDirectory() as work:
        shp = Path(work) / f"{level}.shp"
        pyogrio.write_dataframe(frame, shp, driver=driver, encoding="UTF-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(work).iterdir()):
                archive.write(part, part.name)
        target.write_bytes(buffer.getvalue())
    return len(frame)
