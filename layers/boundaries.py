"""Area outlines and their labels as pydeck layers."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pydeck as pdk

from geo.queries.areas import AreaOutline
from layers.deck import CJK_FONTS, literal
from layers.outlines import edge_layer, geojson_rings, ring_segments

RGBA = list[int]


def outlines_geojson(
    outlines: Sequence[AreaOutline],
    fill: dict[str, RGBA] | None = None,
    extra: dict[str, dict] | None = None,
) -> dict:
    """A FeatureCollection of the outlines, with optional fill colours and extra properties."""
    features = []
    for area in outlines:
        properties = {"code": area.code, "name": area.name, "level": area.level}
        properties.update((extra or {}).get(area.code, {}))
        if fill is not None:
            properties["fill"] = fill.get(area.code, [0, 0, 0, 0])
        features.append(
            {"type": "Feature", "geometry": json.loads(area.geojson), "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


def fill_layer(layer_id: str, collection: dict | str, pickable: bool = False) -> pdk.Layer:
    """Polygons (a FeatureCollection or its URL) filled from each feature's `fill`, no stroke
    (edges: `outline_layers`, layers.outlines)."""
    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data=collection,
        stroked=False,
        filled=True,
        get_fill_color="properties.fill",
        pickable=pickable,
    )


def outline_layers(
    layer_id: str,
    collection: dict,
    line_color: RGBA,
    line_width_px: float,
    filled: bool = False,
    pickable: bool = False,
) -> list[pdk.Layer]:
    """The areas' edges (`<layer_id>-edges`), over their fill when `filled` (clickable when
    `pickable`: the fill layer keeps `layer_id`)."""
    edges = edge_layer(
        f"{layer_id}-edges", ring_segments(geojson_rings(collection)), line_color, line_width_px
    )
    return [fill_layer(layer_id, collection, pickable), edges] if filled else [edges]


def label_layer(
    layer_id: str, outlines: Sequence[AreaOutline], size_px: int, color: RGBA
) -> pdk.Layer:
    """Area names at their label points, in a font that has Chinese glyphs (the area maps'
    element draws them as the page's own text over the map; Streamlit's map element with
    deck.gl's TextLayer)."""
    data = [{"name": area.name, "position": [area.label_lon, area.label_lat]} for area in outlines]
    return pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=data,
        get_position="position",
        get_text="name",
        get_size=size_px,
        size_units=literal("pixels"),
        get_color=color,
        character_set=literal("auto"),
        font_family=literal(CJK_FONTS),
        outline_width=2,
        outline_color=[255, 255, 255, 230],
        font_settings={"sdf": True},
        pickable=False,
    )
