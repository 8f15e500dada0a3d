"""Browser-sized outlines: each level simplified once, as a coverage, at publication."""

from __future__ import annotations

import numpy as np
import shapely

# Degrees (1e-4° ≈ 10 m at Lanzhou): coarse for big areas, fine for small grids.
DISPLAY_TOLERANCE = {
    "city": 0.002,
    "district": 0.001,
    "street": 0.0005,
    "community": 0.0002,
    "grid": 0.0001,
}


def display_geometries(geoms: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Simplified MultiPolygons, one per input, level by level keeping shared edges shared."""
    out = np.empty(len(geoms), dtype=object)
    for level, tolerance in DISPLAY_TOLERANCE.items():
        mask = levels == level
        if not mask.any():
            continue
        simplified = shapely.coverage_simplify(geoms[mask], tolerance)
        broken = ~shapely.is_valid(simplified) | shapely.is_empty(simplified)
        # a part that collapses falls back to its own topology-preserving simplification
        simplified[broken] = shapely.simplify(
            geoms[mask][broken], tolerance, preserve_topology=True
        )
        out[mask] = [_as_multipolygon(g) for g in simplified]
    return out


def _as_multipolygon(geom: shapely.Geometry) -> shapely.MultiPolygon:
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon)]
    return shapely.MultiPolygon(parts)
