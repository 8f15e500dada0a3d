"""Display outlines: simplified per level, valid, and shared edges still shared."""

from __future__ import annotations

import numpy as np
import shapely

from geo.display import display_geometries


def _wiggly_pair() -> tuple[shapely.Polygon, shapely.Polygon]:
    edge = [
        (103.05 + 0.00002 * np.sin(i), float(y)) for i, y in enumerate(np.linspace(36.0, 36.1, 200))
    ]
    left = shapely.Polygon([(103.0, 36.0), *edge, (103.0, 36.1)])
    right = shapely.Polygon([(103.1, 36.0), (103.1, 36.1), *reversed(edge)])
    return left, right


def test_simplified_neighbours_share_their_edge():
    """Two neighbours simplified at grid level neither overlap nor leave a gap."""
    left, right = _wiggly_pair()
    out = display_geometries(np.array([left, right], dtype=object), np.array(["grid", "grid"]))
    assert all(isinstance(g, shapely.MultiPolygon) and g.is_valid for g in out)
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates([left, right]).sum()
    assert out[0].intersection(out[1]).area < 1e-12
    union = shapely.union_all(out)
    assert abs(union.area - shapely.union_all([left, right]).area) < 1e-7


def test_each_level_keeps_its_own_tolerance():
    """A district is simplified more coarsely than a grid of the same shape."""
    left, _ = _wiggly_pair()
    out = display_geometries(np.array([left, left], dtype=object), np.array(["district", "grid"]))
    assert shapely.get_num_coordinates(out[0]) <= shapely.get_num_coordinates(out[1])
