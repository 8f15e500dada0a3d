"""The drill-down map: children coloured by their safety index, the area's frame, a grid's cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pydeck as pdk

from geo.queries.areas import AreaOutline
from layers.boundaries import label_layer, outline_layers, outlines_geojson
from layers.deck import literal
from layers.labels import place_in_sizes

RGBA = list[int]
NO_INDEX: RGBA = [200, 200, 200, 150]
CHILDREN_LAYER = "children"
# The map's size on the page: its view is fitted to this width (the map column of a 1400 px
# wide window; a wider column shows a margin, a narrower one crops a little) and height.
MAP_WIDTH_PX = 540
MAP_HEIGHT_PX = 560
CASES_LAYER = "cases"
# Status colours of a grid's cases: open in time, overdue, concluded.
CASE_COLOURS: dict[str, RGBA] = {
    "open": [242, 153, 0, 230],
    "overdue": [215, 48, 39, 240],
    "closed": [69, 117, 180, 170],
}


def hex_rgba(colour: str, alpha: int = 200) -> RGBA:
    """'#1a9850' as [26, 152, 80, alpha]."""
    text = colour.lstrip("#")
    return [int(text[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def index_colour(value: float | None, bands: Sequence[tuple[float, str]]) -> RGBA:
    """The fill of an index value: its band's colour ((min, '#rrggbb') highest first)."""
    if value is None:
        return list(NO_INDEX)
    for minimum, colour in bands:
        if value >= minimum:
            return hex_rgba(colour)
    return hex_rgba(bands[-1][1])


def children_layers(
    outlines: Sequence[AreaOutline],
    fill: dict[str, RGBA],
    properties: dict[str, dict],
    frame: Sequence[AreaOutline],
    zoom: float,
) -> list[pdk.Layer]:
    """Children filled by index (clickable), the parent's frame, and the names that fit at
    the zoom the map opens on without overlapping, smaller where the full size does not fit
    (layers.labels)."""
    layers = [
        *outline_layers(
            CHILDREN_LAYER,
            outlines_geojson(outlines, fill=fill, extra=properties),
            [60, 60, 60, 220],
            1.2,
            filled=True,
            pickable=True,
        ),
        *outline_layers("frame", outlines_geojson(frame), [30, 30, 30, 255], 3.0),
    ]
    size = 15 if len(outlines) <= 12 else 12
    placed, smaller = place_in_sizes(outlines, zoom, (size, size - 3))
    layers.append(label_layer("labels", placed, size, [20, 20, 20, 255]))
    layers.append(label_layer("labels-small", smaller, size - 3, [20, 20, 20, 255]))
    return layers


@dataclass(frozen=True)
class CasePoint:
    """One case on a grid's map: where, what, and its state for the colour."""

    id: int
    lon: float
    lat: float
    state: str
    category: str
    status: str
    reported: str
    address: str


STATE_ORDER = {"closed": 0, "open": 1, "overdue": 2}  # drawn last on top


def cases_layer(points: Sequence[CasePoint]) -> pdk.Layer:
    """A grid's cases as dots coloured by state (open, overdue, concluded), clickable."""
    data = [
        {
            "id": p.id,
            "position": [p.lon, p.lat],
            "colour": CASE_COLOURS.get(p.state, CASE_COLOURS["closed"]),
            "category": p.category,
            "status": p.status,
            "reported": p.reported,
            "name": p.address,
        }
        for p in sorted(points, key=lambda p: STATE_ORDER.get(p.state, 0))
    ]
    return case_dots(CASES_LAYER, data, 6)


def case_dots(
    layer_id: str, data: list[dict], radius: int, fill: str | list[int] = "colour", edge: int = 1
) -> pdk.Layer:
    """Cases as clickable dots `radius` pixels wide with a white edge (`data`: a `position`
    each, and the field `fill` names, or one colour)."""
    return pdk.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=data,
        get_position="position",
        get_fill_color=fill,
        get_radius=radius,
        radius_units=literal("pixels"),
        stroked=True,
        get_line_color=[255, 255, 255, 255],
        line_width_min_pixels=edge,
        pickable=True,
    )
