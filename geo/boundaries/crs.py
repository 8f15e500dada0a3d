"""Coordinate systems: what the file declares, whether its numbers agree, and the way to 4490."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.boundaries.errors import CrsCandidate, CrsProblem
from geo.boundaries.problems import Detail
from geo.bounds import LngLatBbox
from geo.coords import gcj02_geometry_to_wgs84
from geo.settings import PROJECT_SRID

# Mirrors the schema's `areas_geom_in_city_extent` check (001_schema.sql): change both together.
CITY_ENVELOPE = LngLatBbox(102.0, 35.0, 105.2, 37.8)
GCJ02 = "GCJ02"
# Datums whose difference from CGCS2000 is below a metre (so no warning is due).
_PRECISE_DATUMS = ("China 2000", "World Geodetic System 1984")
# First EPSG code of each Gauss-Krüger family: (datum, width, by CM or zone prefix) -> code of
# the first CM (75°E) or first zone (3°: 25, 6°: 13); codes then run in steps of one.
_GK_FAMILIES = {
    ("CGCS2000", 3, "cm"): 4534, ("CGCS2000", 3, "zone"): 4513,
    ("CGCS2000", 6, "cm"): 4502, ("CGCS2000", 6, "zone"): 4491,
    ("Xian 1980", 3, "cm"): 2370, ("Xian 1980", 3, "zone"): 2349,
    ("Xian 1980", 6, "cm"): 2338, ("Xian 1980", 6, "zone"): 2327,
    ("Beijing 1954", 3, "cm"): 2422, ("Beijing 1954", 3, "zone"): 2401,
    ("Beijing 1954", 6, "cm"): 21473, ("Beijing 1954", 6, "zone"): 21413,
}  # fmt: skip
_SAMPLE = 400


@dataclass(frozen=True)
class CrsChoice:
    """The source coordinate system, how it was decided, and any GCJ-02 correction."""

    srid: int | None
    name: str
    how: str  # "declared", "geojson default", "chosen"
    gcj02: bool = False
    note: str = ""

    @property
    def label(self) -> str:
        """'EPSG:4544 CGCS2000 / 3-degree Gauss-Kruger CM 105E' (+ GCJ-02 when corrected)."""
        code = f"EPSG:{self.srid} " if self.srid else ""
        return f"{code}{self.name}" + (" (GCJ-02 已纠偏)" if self.gcj02 else "")


def parse_crs(text: str) -> CRS:
    """A CRS from 'EPSG:4544', '4544', a WKT or PROJ string; one clear message otherwise."""
    value = text.strip()
    try:
        return CRS.from_user_input(int(value) if value.isdigit() else value)
    except CRSError:
        raise CrsProblem(
            Detail(
                f"无法识别的坐标系“{value[:80]}”：请填写如 EPSG:4544 的编号",
                f"unknown coordinate system “{value[:80]}”: give a code such as EPSG:4544",
            )
        ) from None


def _describe(crs: CRS) -> tuple[int | None, str]:
    return crs.to_epsg(min_confidence=70), crs.name


@lru_cache(maxsize=64)
def _transformer(source_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(source_wkt), PROJECT_SRID, always_xy=True)


def _bounds(geoms: np.ndarray) -> tuple[float, float, float, float]:
    present = geoms[[g is not None and not g.is_empty for g in geoms]]
    if len(present) == 0:
        raise CrsProblem(
            Detail(
                "文件中没有可读取的几何图形，无法判断坐标系 (no geometry)",
                "the file has no readable geometry: its coordinate system cannot be told",
            )
        )
    return tuple(shapely.total_bounds(present))


def looks_like_degrees(bounds: tuple[float, float, float, float]) -> bool:
    """True when every coordinate could be a longitude / latitude."""
    west, south, east, north = bounds
    return -180 <= west <= east <= 180 and -90 <= south <= north <= 90


def to_project_crs(geoms: np.ndarray, crs: CRS, gcj02: bool = False) -> np.ndarray:
    """The geometries in EPSG:4490 (GCJ-02 lon/lat moved back to CGCS2000 when asked)."""
    if crs.to_epsg() not in (PROJECT_SRID, 4326):
        transformer = _transformer(crs.to_wkt())
        geoms = shapely.transform(geoms, transformer.transform, interleaved=False)
    if gcj02:
        geoms = np.array(
            [None if g is None else gcj02_geometry_to_wgs84(g) for g in geoms], dtype=object
        )
    return geoms


def inside_share(geoms: np.ndarray, envelope: LngLatBbox = CITY_ENVELOPE) -> float:
    """Share of the (sampled) features whose box lies inside the city's envelope."""
    present = geoms_sample(geoms)
    if len(present) == 0:
        return 0.0
    boxes = shapely.bounds(present)
    ok = (
        (boxes[:, 0] >= envelope.west)
        & (boxes[:, 2] <= envelope.east)
        & (boxes[:, 1] >= envelope.south)
        & (boxes[:, 3] <= envelope.north)
    )
    return float(ok.mean())


def _gk_codes(bounds: tuple[float, float, float, float], envelope: LngLatBbox) -> list[int]:
    """Gauss-Krüger EPSG codes whose numbers could be these and whose zone covers the city."""
    west, _, east, _ = bounds
    codes = []
    for (_, width, form), first in _GK_FAMILIES.items():
        half = width / 2
        meridians = (
            range(75, 136, 3) if width == 3 else range(75, 136, 6)
        )  # central meridians of China's zones
        for index, cm in enumerate(meridians):
            if not envelope.west - half <= cm <= envelope.east + half:
                continue
            zone = cm // 3 if width == 3 else (cm + 3) // 6
            with_prefix = zone * 1_000_000 < west and east < (zone + 1) * 1_000_000
            if (form == "zone") == with_prefix:
                codes.append(first + index)
    return codes


def candidates(geoms: np.ndarray, envelope: LngLatBbox = CITY_ENVELOPE) -> list[CrsCandidate]:
    """Coordinate systems that would put these raw coordinates inside the city, best first."""
    bounds = _bounds(geoms)
    found: list[CrsCandidate] = []
    if looks_like_degrees(bounds):
        share = inside_share(geoms, envelope)
        if share > 0:
            found = [
                CrsCandidate(PROJECT_SRID, "CGCS2000 经纬度", share),
                CrsCandidate(4326, "WGS84 经纬度", share),
                CrsCandidate(
                    4326, "GCJ-02 经纬度（高德/腾讯，纠偏到 CGCS2000）", share, gcj02=True
                ),
            ]
        return found
    for code in [3857, *_gk_codes(bounds, envelope)]:
        crs = CRS.from_epsg(code)
        share = inside_share(to_project_crs(geoms_sample(geoms), crs), envelope)
        if share > 0.5:
            found.append(CrsCandidate(code, crs.name, share))
            if code == 3857:
                found.append(CrsCandidate(code, crs.name + "（GCJ-02 纠偏）", share, gcj02=True))
    rank = {"CGCS2000": 0, "WGS 84": 1, "Xian 1980": 2, "Beijing 1954": 3}
    found.sort(key=lambda c: (-round(c.inside_share, 2), rank.get(c.name.split(" /")[0], 9)))
    return found


def geoms_sample(geoms: np.ndarray) -> np.ndarray:
    """At most a few hundred of the geometries, evenly spread (for guessing)."""
    present = np.array([g for g in geoms if g is not None and not g.is_empty], dtype=object)
    if len(present) > _SAMPLE:
        present = present[np.linspace(0, len(present) - 1, _SAMPLE).astype(int)]
    return present


def resolve(
    geoms: np.ndarray,
    declared: str | None,
    fmt: str,
    chosen: str | None = None,
    gcj02: bool = False,
    envelope: LngLatBbox = CITY_ENVELOPE,
) -> tuple[CrsChoice, np.ndarray]:
    """The source CRS and the geometries in EPSG:4490, or one clear message with candidates."""
    bounds = _bounds(geoms)
    where = f"x {bounds[0]:,.2f}…{bounds[2]:,.2f}, y {bounds[1]:,.2f}…{bounds[3]:,.2f}"
    if chosen:
        if chosen.strip().upper() in (GCJ02, "GCJ-02"):
            crs, gcj02 = CRS.from_epsg(4326), True
        else:
            crs = parse_crs(chosen)
        how = "chosen"
    elif declared:
        crs = parse_crs(declared)
        how = "geojson default" if fmt == "geojson" and crs.to_epsg() == 4326 else "declared"
    else:
        raise CrsProblem(
            Detail(
                f"文件没有声明坐标系（如缺少 .prj 文件），坐标范围为 {where}：请选择坐标系",
                f"the file declares no coordinate system (no .prj file?), its coordinates "
                f"span {where}: choose the coordinate system",
            ),
            candidates(geoms, envelope),
        )
    srid, name = _describe(crs)
    degrees = looks_like_degrees(bounds)
    if crs.is_geographic and not degrees:
        said = (
            "GeoJSON 未声明坐标系时默认为 WGS84 经纬度"
            if how == "geojson default"
            else (f"坐标系为 {name}（经纬度）")
        )
        raise CrsProblem(
            Detail(
                f"{said}，但坐标数值（{where}）是以米为单位的投影坐标：请选择正确的投影坐标系",
                f"{said}, but the coordinates ({where}) are projected metres: choose the right "
                "projected coordinate system",
            ),
            candidates(geoms, envelope),
        )
    if crs.is_projected and degrees:
        raise CrsProblem(
            Detail(
                f"坐标系为投影坐标 {name}，但坐标数值（{where}）像经纬度：请确认坐标系",
                f"the coordinate system is the projected {name}, but the coordinates "
                f"({where}) look like longitudes and latitudes: check the coordinate system",
            ),
            candidates(geoms, envelope),
        )
    if gcj02 and not crs.is_geographic and srid != 3857:
        raise CrsProblem(
            Detail(
                "GCJ-02 纠偏只适用于经纬度或 Web 墨卡托坐标",
                "the GCJ-02 correction applies to longitude/latitude or Web Mercator "
                "coordinates only",
            )
        )
    moved = to_project_crs(geoms, crs, gcj02)
    if inside_share(moved, envelope) == 0:
        centre = shapely.centroid(shapely.box(*_bounds(moved)))
        raise CrsProblem(
            Detail(
                f"按 {name} 转换后，要素位于经度 {centre.x:.3f}、纬度 {centre.y:.3f} 附近，"
                "不在本市范围内：坐标系可能不对",
                f"read as {name}, the features lie near longitude {centre.x:.3f}, latitude "
                f"{centre.y:.3f}, outside the city: the coordinate system may be wrong",
            ),
            candidates(geoms, envelope),
        )
    return CrsChoice(srid, name, how, gcj02, _datum_note(crs)), moved


def _datum_note(crs: CRS) -> str:
    """A warning when the datum has no precise published way to CGCS2000."""
    datum = crs.geodetic_crs.datum.name if crs.geodetic_crs else ""
    if any(d in datum for d in _PRECISE_DATUMS) or "2000" in datum:
        return ""
    return (
        f"从 {datum} 到 CGCS2000 没有精确的转换参数，位置可能偏差数十米至上百米；"
        "建议向测绘单位索取 CGCS2000 成果"
    )
