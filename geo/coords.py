"""Vectorised conversion between GCJ-02 ("Mars" coordinates) and WGS84 / CGCS2000.

GCJ-02 is the obfuscated datum used by AMap/Gaode, Tencent and most Chinese commercial
map data; it is WGS84 shifted by a smooth, non-linear offset of a few hundred metres.
CGCS2000 (EPSG:4490) is treated as WGS84 here: the two agree within centimetres.

The forward formula is the widely published "eviltransform" one (Krasovsky 1940
ellipsoid, a = 6378245.0 m, e^2 = 0.00669342162296594323). The inverse has no closed form;
it is solved by fixed-point iteration until the step is below 1e-9 degrees (about 0.1 mm),
so a round trip is exact to well under a centimetre (the crude one-step inverse is off by
up to a few metres).

Outside China the conversion is the identity. "China" is the customary eviltransform
bounding box: 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271 (a rectangle, so
it also covers parts of neighbouring countries, exactly as the reference implementation).

All functions take longitude first, then latitude, as scalars or numpy arrays.
"""

from __future__ import annotations

from typing import TypeVar, overload

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = [
    "CHINA_BBOX",
    "gcj02_geometry_to_wgs84",
    "gcj02_to_wgs84",
    "in_china",
    "wgs84_to_gcj02",
]

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323

#: (min_lon, min_lat, max_lon, max_lat) inside which the GCJ-02 offset applies.
CHINA_BBOX: tuple[float, float, float, float] = (72.004, 0.8293, 137.8347, 55.8271)

_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 30

ArrayLike = float | npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
G = TypeVar("G", bound=BaseGeometry)


def in_china(lon: ArrayLike, lat: ArrayLike) -> bool | npt.NDArray[np.bool_]:
    """Return True where (lon, lat) lies inside the GCJ-02 China bounding box."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    min_lon, min_lat, max_lon, max_lat = CHINA_BBOX
    inside = (lon_a >= min_lon) & (lon_a <= max_lon) & (lat_a >= min_lat) & (lat_a <= max_lat)
    return bool(inside) if inside.ndim == 0 else inside


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 offset (dlon, dlat) in degrees at WGS84 (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0

    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat = dlat + common
    dlat = dlat + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0

    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon = dlon + common
    dlon = dlon + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return lon and lat as broadcast float64 arrays."""
    lon_a, lat_a = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lon_a.copy(), lat_a.copy()


def _wrap(
    lon: FloatArray, lat: FloatArray, scalar: bool
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Return plain floats for scalar input, arrays otherwise."""
    if scalar:
        return float(lon), float(lat)
    return lon, lat


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...


@overload
def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...


def wgs84_to_gcj02(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert WGS84/CGCS2000 (lon, lat) to GCJ-02 (lon, lat); identity outside China."""
    lon_a, lat_a = _as_arrays(lon, lat)
    scalar = lon_a.ndim == 0
    mask = np.asarray(in_china(lon_a, lat_a))
    dlon, dlat = _offset(lon_a, lat_a)
    out_lon = np.where(mask, lon_a + dlon, lon_a)
    out_lat = np.where(mask, lat_a + dlat, lat_a)
    return _wrap(out_lon, out_lat, scalar)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...


@overload
def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]: ...


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 (lon, lat) to WGS84/CGCS2000 (iterated inverse); identity outside China."""
    g_lon, g_lat = _as_arrays(lon, lat)
    scalar = g_lon.ndim == 0
    mask = np.asarray(in_china(g_lon, g_lat))
    # Solve w + offset(w) = g: start from the one-step inverse, then iterate w = g - offset(w).
    dlon, dlat = _offset(g_lon, g_lat)
    w_lon = g_lon - dlon
    w_lat = g_lat - dlat
    for _ in range(_INVERSE_MAX_ITER):
        dlon, dlat = _offset(w_lon, w_lat)
        new_lon = g_lon - dlon
        new_lat = g_lat - dlat
        step = np.maximum(np.abs(new_lon - w_lon), np.abs(new_lat - w_lat))
        w_lon, w_lat = new_lon, new_lat
        # NaN steps (NaN input) compare False and never block convergence.
        if not np.any(step > _INVERSE_TOL_DEG):
            break
    out_lon = np.where(mask, w_lon, g_lon)
    out_lat = np.where(mask, w_lat, g_lat)
    return _wrap(out_lon, out_lat, scalar)


def _gcj02_coords_to_wgs84(coords: FloatArray) -> FloatArray:
    """Convert an (N, 2) array of GCJ-02 lon/lat coordinates to WGS84."""
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def gcj02_geometry_to_wgs84(geom: G) -> G:
    """Return a copy of a shapely geometry with GCJ-02 lon/lat coordinates moved to WGS84."""
    return shapely.transform(geom, _gcj02_coords_to_wgs84)
