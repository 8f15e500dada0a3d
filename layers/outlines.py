"""Polygon outlines as line segments, drawn by deck.gl's LineLayer instead of its PathLayer.

deck.gl strokes a polygon with its PathLayer, whose vertex shader (joints, three projected
points per vertex) is tens of times dearer than the LineLayer's in software rendering
(SwiftShader, and the many office PCs without a usable GPU). With the city's 7,507 grids
stroked, one frame of the live map took seconds there; deck.gl picks the object under the
pointer when the button goes down, after the frame in progress, and a press longer than
250 ms is not a click to its tap recognizer: the map ignored every click (issue 12). So every
area map fills its polygons without a stroke and draws their edges here, each shared edge once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pydeck as pdk

from layers.deck import literal

RGBA = list[int]
Ring = Sequence[Sequence[float]]
Segment = list[float]  # [x1, y1, x2, y2]
DIGITS = 5  # about a metre: the outlines are display geometry already


def ring_segments(rings: Iterable[Ring]) -> list[Segment]:
    """Every edge of the rings once, as [x1, y1, x2, y2] (an edge two polygons share, once)."""
    seen: set[tuple[float, float, float, float]] = set()
    out: list[Segment] = []
    for ring in rings:
        points = [(round(p[0], DIGITS), round(p[1], DIGITS)) for p in ring]
        for a, b in zip(points, points[1:] + points[:1], strict=True):
            if a == b:
                continue
            key = (*a, *b) if a < b else (*b, *a)
            if key not in seen:
                seen.add(key)
                out.append([*a, *b])
    return out


def geojson_rings(collection: dict) -> Iterator[Ring]:
    """The rings of every Polygon and MultiPolygon of a FeatureCollection."""
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Polygon":
            yield from geometry["coordinates"]
        elif geometry.get("type") == "MultiPolygon":
            for polygon in geometry["coordinates"]:
                yield from polygon


def edge_layer(
    layer_id: str, segments: str | list[Segment], color: RGBA, width_px: float
) -> pdk.Layer:
    """Segments (or the URL of their JSON) as lines of a fixed width in pixels; not pickable."""
    return pdk.Layer(
        "LineLayer",
        id=layer_id,
        data=segments,
        get_source_position="[this[0], this[1]]",
        get_target_position="[this[2], this[3]]",
        get_color=color,
        get_width=width_px,
        width_units=literal("pixels"),
        pickable=False,
    )
