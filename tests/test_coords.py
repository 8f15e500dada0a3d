"""Tests for geo.coords: GCJ-02 <-> WGS84 conversion."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box

from geo.coords import (
    CHINA_BBOX,
    _offset,
    gcj02_geometry_to_wgs84,
    gcj02_to_wgs84,
    in_china,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")

# Published test vectors of the reference eviltransform implementation
# (github.com/googollee/eviltransform), as (wgs_lon, wgs_lat, gcj_lon, gcj_lat).
REFERENCE = [
    pytest.param(121.5272106, 31.1774276, 121.531541859215, 31.17530398364597, id="shanghai"),
    pytest.param(113.912316, 22.543847, 113.9171764808363, 22.540796131694766, id="shenzhen"),
    pytest.param(116.377817, 39.911954, 116.38404722455657, 39.91334545536069, id="beijing"),
]

# Lanzhou city centre (WGS84) and its GCJ-02 counterpart from the forward formula.
LZ_WGS = (103.834, 36.061)
LZ_GCJ = (103.83640373403568, 36.06067325561724)


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between two sets of lon/lat points."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(lon1, lat1, lon2, lat2)
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def _lanzhou_grid(n: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """An n x n grid of points over Lanzhou's extent."""
    lon, lat = np.meshgrid(np.linspace(102.5, 104.6, n), np.linspace(35.5, 37.2, n))
    return lon, lat


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), REFERENCE)
def test_forward_matches_reference_vectors(wlon, wlat, glon, glat):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), REFERENCE)
def test_inverse_matches_reference_vectors(wlon, wlat, glon, glat):
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, wlon, wlat) < 0.001


def test_lanzhou_known_point():
    lon, lat = wgs84_to_gcj02(*LZ_WGS)
    assert (lon, lat) == pytest.approx(LZ_GCJ, abs=1e-9)
    back = gcj02_to_wgs84(*LZ_GCJ)
    assert back == pytest.approx(LZ_WGS, abs=1e-9)


def test_lanzhou_offset_is_a_few_hundred_metres():
    """GCJ-02 in Lanzhou is shifted east by roughly 200 m; a wrong sign or unit shows here."""
    lon, lat = wgs84_to_gcj02(*LZ_WGS)
    shift = _metres(LZ_WGS[0], LZ_WGS[1], lon, lat)
    assert 150 < shift < 400
    assert lon > LZ_WGS[0]


def test_round_trip_over_lanzhou_below_one_centimetre():
    lon, lat = _lanzhou_grid()
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert _metres(lon, lat, back_lon, back_lat).max() < 0.01
    # And the other way round, starting from GCJ-02 coordinates.
    fwd_lon, fwd_lat = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert _metres(lon, lat, fwd_lon, fwd_lat).max() < 0.01


def test_one_step_inverse_would_fail_the_round_trip():
    """The grid test is sensitive: the crude one-step inverse misses by far more than 1 cm."""
    lon, lat = _lanzhou_grid()
    glon, glat = wgs84_to_gcj02(lon, lat)
    dlon, dlat = _offset(glon, glat)
    assert _metres(lon, lat, glon - dlon, glat - dlat).max() > 0.1


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        pytest.param(2.3522, 48.8566, id="paris"),
        pytest.param(-74.006, 40.7128, id="new-york"),
        pytest.param(139.6917, 35.6895, id="tokyo-east-of-bbox"),
        pytest.param(37.6173, 55.7558, id="moscow"),
        pytest.param(103.8, 0.5, id="south-of-bbox"),
        pytest.param(100.0, 56.0, id="north-of-bbox"),
    ],
)
def test_identity_outside_china(lon, lat):
    assert not in_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_bbox_edges():
    """The bbox is inclusive: its corner converts, a point just beyond it does not."""
    min_lon, min_lat, max_lon, max_lat = CHINA_BBOX
    assert in_china(min_lon, min_lat) and in_china(max_lon, max_lat)
    assert wgs84_to_gcj02(min_lon, min_lat) != (min_lon, min_lat)
    assert wgs84_to_gcj02(min_lon - 1e-6, min_lat) == (min_lon - 1e-6, min_lat)
    assert wgs84_to_gcj02(max_lon, max_lat + 1e-6) == (max_lon, max_lat + 1e-6)


def test_scalars_return_floats():
    lon, lat = wgs84_to_gcj02(*LZ_WGS)
    assert type(lon) is float and type(lat) is float
    lon, lat = gcj02_to_wgs84(*LZ_GCJ)
    assert type(lon) is float and type(lat) is float


def test_arrays_keep_shape_and_match_scalars():
    lon, lat = _lanzhou_grid(7)
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert isinstance(glon, np.ndarray) and glon.shape == lon.shape == glat.shape
    for i, j in [(0, 0), (3, 5), (6, 6)]:
        assert (glon[i, j], glat[i, j]) == wgs84_to_gcj02(float(lon[i, j]), float(lat[i, j]))
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert wlon.shape == lon.shape
    assert gcj02_to_wgs84(float(glon[3, 5]), float(glat[3, 5])) == pytest.approx(
        (wlon[3, 5], wlat[3, 5]), abs=1e-12
    )


def test_lists_and_broadcasting():
    """Plain lists work and a scalar latitude broadcasts against an array of longitudes."""
    glon, glat = wgs84_to_gcj02([103.0, 104.0], 36.0)
    assert glon.shape == glat.shape == (2,)
    assert glat[0] != glat[1]


def test_mixed_inside_and_outside_points():
    lon = np.array([LZ_WGS[0], 2.3522])
    lat = np.array([LZ_WGS[1], 48.8566])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert (glon[0], glat[0]) == pytest.approx(LZ_GCJ, abs=1e-9)
    assert (glon[1], glat[1]) == (lon[1], lat[1])
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    np.testing.assert_allclose(wlon, lon, atol=1e-9)
    np.testing.assert_allclose(wlat, lat, atol=1e-9)


def test_inputs_are_not_modified():
    lon, lat = _lanzhou_grid(5)
    lon0, lat0 = lon.copy(), lat.copy()
    gcj02_to_wgs84(lon, lat)
    wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(lon, lon0)
    np.testing.assert_array_equal(lat, lat0)


def test_nan_propagates_without_hanging():
    """A NaN coordinate stays NaN and does not stop the other points from converging."""
    wlon, wlat = gcj02_to_wgs84(np.array([np.nan, LZ_GCJ[0]]), np.array([36.0, LZ_GCJ[1]]))
    assert np.isnan(wlon[0])
    assert (wlon[1], wlat[1]) == pytest.approx(LZ_WGS, abs=1e-9)


def test_geometry_coordinates_match_point_conversion():
    poly = box(103.7, 36.0, 103.9, 36.1)
    out = gcj02_geometry_to_wgs84(poly)
    coords = shapely.get_coordinates(poly)
    expected = np.column_stack(gcj02_to_wgs84(coords[:, 0], coords[:, 1]))
    np.testing.assert_array_equal(shapely.get_coordinates(out), expected)
    # WGS84 lies west of GCJ-02 in Lanzhou.
    assert out.bounds[0] < poly.bounds[0]
    # The input geometry is left untouched.
    assert poly.equals(box(103.7, 36.0, 103.9, 36.1))


def test_geometry_keeps_polygon_validity():
    shell = [(103.0, 36.0), (104.0, 36.0), (104.0, 37.0), (103.0, 37.0)]
    hole = [(103.4, 36.4), (103.6, 36.4), (103.6, 36.6), (103.4, 36.6)]
    multi = MultiPolygon([Polygon(shell, [hole]), box(104.1, 36.0, 104.5, 36.5)])
    out = gcj02_geometry_to_wgs84(multi)
    assert out.is_valid
    assert out.geom_type == "MultiPolygon"
    assert len(out.geoms) == 2 and len(out.geoms[0].interiors) == 1
    assert out.area == pytest.approx(multi.area, rel=1e-3)


def test_geometry_shared_edges_stay_shared():
    """Two polygons sharing an edge neither overlap nor gap after conversion."""
    left = Polygon([(103.5, 36.0), (103.8, 36.0), (103.81, 36.2), (103.5, 36.2)])
    right = Polygon([(103.8, 36.0), (104.1, 36.0), (104.1, 36.2), (103.81, 36.2)])
    a, b = gcj02_geometry_to_wgs84(left), gcj02_geometry_to_wgs84(right)
    assert a.intersection(b).area == pytest.approx(0.0, abs=1e-15)
    assert a.union(b).area == pytest.approx(a.area + b.area, rel=1e-12)


def test_geometry_outside_china_unchanged():
    pt = Point(2.3522, 48.8566)
    assert gcj02_geometry_to_wgs84(pt).equals_exact(pt, tolerance=0.0)
