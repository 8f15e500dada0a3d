"""The live map's deck: the area outlines and labels, the layers the switches turn on, in
drawing order, and the legends of those shown.

The page (`dashboard/live_map.py`) reads and caches; everything here is a pure function of
what it hands over: the refresh (`geo.live.view.LiveView`), the boundaries
(`geo.live.view.Static`), the outlines it caches per boundary version (`MapParts`) and what a
refresh draws over the view (`Overlays`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pydeck as pdk
import shapely

from geo.bounds import LngLatBbox, dense_bounds
from geo.live.grid_status import COLORS, GridRules
from geo.live.queries import CELL_METRES, AreaNode, IncidentPoint, within
from geo.live.view import LiveView, Static
from geo.queries.areas import AreaOutline
from geo.vocabulary import AREA_LEVELS
from geo.warnings.queries import EarlyWarning
from geo.warnings.rules import WarningRules
from layers.area_status import area_loads, area_status_layer, area_status_legend
from layers.boundaries import fill_layer, label_layer, outline_layers
from layers.centers import center_layer, center_legend
from layers.deck import Basemap, make_deck, pixel_degrees, view_for
from layers.grid_status import (
    grid_edge_layer,
    grid_edges,
    grid_records,
    grid_status_layers,
    grid_status_legend,
)
from layers.heat import heat_layer, heat_legend
from layers.incidents import arrivals_layer, incident_layer, incident_legend
from layers.labels import Box, place_labels
from layers.legend import Legend
from layers.outlines import Segment, edge_layer, geojson_rings, ring_segments
from layers.warnings import warning_layers, warning_legend

Translate = Callable[[str], str]
LEVELS = tuple(AREA_LEVELS)  # city, district, street, community, grid
OUTLINE_LEVELS = ("district", "street", "community")
MAP_WIDTH_PX, MAP_HEIGHT_PX = 880, 600
OPEN_ON_SHARE = 0.8  # the city view opens on the box of the central 80 % of the period's cases
TOOLTIP = {
    "html": "<b>{title}</b><div>{body}</div>",
    "style": {"whiteSpace": "pre-line", "maxWidth": "360px", "fontSize": "12.5px",
              "lineHeight": "1.5", "backgroundColor": "rgba(28,28,30,0.93)",
              "color": "#fff", "padding": "8px 10px", "borderRadius": "6px"},
}  # fmt: skip


@dataclass(frozen=True)
class MapParts:
    """What changes only with the boundaries, made once per version by the page: the
    district, street and community outlines (GeoJSON features per level), the served static
    parts (`served_payloads`: a URL, or the payload itself where not served) and each grid's
    title (`grid_names`); for the city view, the streets simplified for its opening zoom
    (`simplified`; None: drawn as in `features`); inside an area, the edges of its grids
    (`area_grid_edges`, served the same way; None: none drawn)."""

    features: Mapping[str, list[dict]]
    served: Mapping[str, str | dict | list]
    titles: Mapping[str, str]
    streets: Sequence[dict] | None = None
    grid_edges: str | list[Segment] | None = None


@dataclass(frozen=True)
class Overlays:
    """What one refresh draws over the live view besides its own layers: the active warnings
    (with their rules), the incidents that arrived lately (and the ids new in this refresh),
    and the next week's rising grids with their legend."""

    warning_rules: WarningRules
    warnings: Sequence[EarlyWarning] = ()
    arrived: Sequence[IncidentPoint] = ()
    fresh: set[int] = field(default_factory=set)
    forecast: Sequence[pdk.Layer] = ()
    forecast_legends: Sequence[Legend] = ()


def area_features(outlines: Sequence[AreaOutline]) -> dict[str, list[dict]]:
    """District, street and community outlines as GeoJSON features, per level: all but
    invisibly filled, so still clickable."""
    out: dict[str, list[dict]] = {level: [] for level in OUTLINE_LEVELS}
    for area in outlines:
        out[area.level].append(
            {
                "type": "Feature",
                "geometry": json.loads(area.geojson),
                "properties": {
                    "code": area.code,
                    "parent": area.parent_code or "",
                    "fill": [255, 255, 255, 1],
                },
            }
        )
    return out


def display_tolerance(zoom: float) -> float:
    """Degrees of half a pixel at the whole zoom at or above `zoom`: detail finer than this a
    map opened at `zoom` cannot show."""
    return pixel_degrees(math.ceil(zoom)) / 2


def simplified(features: Sequence[dict], tolerance: float) -> list[dict]:
    """The features with their outlines simplified to `tolerance` degrees (each keeping its
    own topology) and rounded to 1e-5°, properties unchanged."""
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, 5))
    return [
        {**f, "geometry": json.loads(text)}
        for f, text in zip(features, shapely.to_geojson(rounded), strict=True)
    ]


def clickable(feature: dict, name: str, t: Translate) -> dict:
    """An area feature with the tooltip fields (its name, and that a click opens it)."""
    properties = {**feature["properties"], "title": name, "body": t("tip_area_hint")}
    return {**feature, "properties": properties}


def grid_names(static: Static) -> tuple[dict[str, str], dict[str, str]]:
    """Every grid's title (community · grid) and place (district · street)."""
    titles: dict[str, str] = {}
    places: dict[str, str] = {}
    for shape in static.shapes:
        node = static.tree.get(shape.code)
        if node is None:
            continue
        names = [static.tree[c].name for c in node.ancestors if c in static.tree][1:]
        community = names[-1] if names else ""
        titles[shape.code] = f"{community} · {node.name}"
        places[shape.code] = " · ".join(names[:-1])
    return titles, places


def served_payloads(
    static: Static, features: Mapping[str, list[dict]], language: str, t: Translate
) -> dict[str, tuple[str, dict | list]]:
    """The map's static parts, each with the file stem it is served under: the districts
    (clickable, in the language), and the edges of the districts and streets
    (layers.outlines)."""
    version = static.version
    districts = [
        clickable(f, static.tree[f["properties"]["code"]].name, t) for f in features["district"]
    ]
    return {
        "districts": (
            f"districts-v{version}-{language}",
            {"type": "FeatureCollection", "features": districts},
        ),
        "district_edges": (
            f"district-edges-v{version}",
            ring_segments(geojson_rings({"features": features["district"]})),
        ),
        "street_edges": (
            f"street-edges-v{version}",
            ring_segments(geojson_rings({"features": features["street"]})),
        ),
    }


def area_grid_edges(static: Static, code: str) -> tuple[str, list[Segment]]:
    """The edges of the grids under one area and the file stem they are served under.

    Inside a district the city's 28,000 grid edges were a 1.1 MB file: the browser parsed and
    drew all of them (most off the map) after every click that opened an area."""
    under = {c for c, node in static.tree.items() if within(node, code)}
    shapes = [shape for shape in static.shapes if shape.code in under]
    return f"grid-edges-v{static.version}-{code}", grid_edges(shapes)


def city_box(static: Static, cells: Sequence[tuple[float, float, int]]) -> LngLatBbox:
    """The box the whole-city map opens on: where the central OPEN_ON_SHARE of the period's
    cases are, within the city (the whole city when there are none)."""
    city = next(n.bbox for n in static.tree.values() if n.level == "city")
    dense = dense_bounds(cells, share=OPEN_ON_SHARE)
    return city if dense is None else dense.clipped_to(city)


def area_labels(
    layer_id: str, nodes: Sequence[AreaNode], size: int, zoom: float, taken: list[Box]
) -> pdk.Layer:
    """Names of areas at their label points, the larger areas first, none overlapping (and
    none over a box in `taken`, which the placed ones join)."""
    outlines = [
        AreaOutline(n.code, n.parent_code, n.name, n.level, 0, "", n.lon, n.lat) for n in nodes
    ]
    weight = {n.code: (n.bbox.east - n.bbox.west) * (n.bbox.north - n.bbox.south) for n in nodes}
    placed = place_labels(outlines, zoom, size, weight, taken)
    colour = [30, 30, 30, 255] if layer_id == "labels" else [60, 60, 60, 255]
    return label_layer(layer_id, placed, size, colour)


def area_layers(
    static: Static,
    focus: AreaNode | None,
    parts: MapParts,
    pickable: bool,
    zoom: float,
    t: Translate,
) -> tuple[list[pdk.Layer], list[pdk.Layer], list[pdk.Layer]]:
    """Children of the focus under the data (clickable when `pickable`: grid colours off);
    the streets', districts' and focus's edges over it; the labels that fit at the opening
    zoom, drawn over the centers."""
    under: list[pdk.Layer] = []
    streets: list[AreaNode] = []
    if focus is None:
        labelled = [n for n in static.tree.values() if n.level == "district"]
        streets = [n for n in static.tree.values() if n.level == "street"]
    else:
        child_level = LEVELS[LEVELS.index(focus.level) + 1] if focus.level != "grid" else "grid"
        children = [
            clickable(f, static.tree[f["properties"]["code"]].name, t)
            for f in parts.features.get(child_level, [])
            if f["properties"]["parent"] == focus.code and f["properties"]["code"] in static.tree
        ]
        under += outline_layers(
            "areas",
            {"type": "FeatureCollection", "features": children},
            [90, 90, 90, 150],
            1.0,
            filled=pickable,
            pickable=pickable,
        )
        labelled = [static.tree[f["properties"]["code"]] for f in children]
    over = [edge_layer("streets", parts.served["street_edges"], [70, 70, 70, 110], 0.7)]
    if pickable and focus is None:
        over.append(fill_layer("districts", parts.served["districts"], pickable=True))
    over.append(
        edge_layer("district-edges", parts.served["district_edges"], [40, 40, 40, 230], 2.2)
    )
    if focus is not None:
        mine = [
            f for f in parts.features.get(focus.level, []) if f["properties"]["code"] == focus.code
        ]
        over += outline_layers(
            "focus", {"type": "FeatureCollection", "features": mine}, [20, 20, 20, 255], 3.5
        )
    size = 15 if focus is None or focus.level == "district" else 12
    taken: list[Box] = []
    labels = [area_labels("labels", labelled, size, zoom, taken)]
    if streets:
        labels.append(area_labels("street-labels", streets, 11, zoom, taken))
    return under, over, labels


def live_deck(
    view: LiveView,
    static: Static,
    focus: AreaNode | None,
    shown: Mapping[str, bool],
    parts: MapParts,
    overlays: Overlays,
    box: LngLatBbox,
    rules: GridRules,
    now: datetime,
    t: Translate,
    language: str,
    basemap: Basemap | None = None,
) -> tuple[pdk.Deck, list[Legend]]:
    """The map of one refresh, opening on `box`: the layers the switches in `shown` turn on,
    in drawing order, and the legends of those shown."""
    city_view = focus is None
    initial = view_for(box, MAP_WIDTH_PX, MAP_HEIGHT_PX)
    under, over, labels = area_layers(
        static, focus, parts, pickable=not shown["grid_status"], zoom=initial.zoom, t=t
    )
    layers: list[pdk.Layer] = [*under]
    legend_items: list[Legend] = []
    if shown["grid_status"]:
        statuses = {g.measures.code: g for g in view.grids}
        if city_view:  # streets in their grids' colours
            loads = area_loads(
                "street", static.tree, view.grids, view.stocks.grids, view.flows.grids,
                static.street_of,
            )  # fmt: skip
            names = {code: static.tree[code].name for code in loads}
            streets = parts.features["street"] if parts.streets is None else parts.streets
            layers.append(area_status_layer(streets, loads, names, t))
            legend_items.append(area_status_legend(loads, t))
        colors = COLORS if focus is not None else ("red", "yellow")
        records = grid_records(static.shapes, statuses, parts.titles, rules, t, language, colors)
        layers += grid_status_layers(records)
        if not city_view and parts.grid_edges is not None:
            # The city's 28,000 grid edges are under a pixel at its zoom, and every pick (a
            # click, a hover) waits for the browser to draw them all: seconds on a software
            # renderer. A click on the city drills to where the grids show.
            layers.append(grid_edge_layer(parts.grid_edges))
        legend_items.append(grid_status_legend(view.grid_counts, rules, t))
    if shown["heat"]:
        cells = view.heat()
        level = focus.level if focus else "city"
        layers.append(heat_layer(cells, level))
        busiest = max((n for *_, n in cells), default=0)
        legend_items.append(heat_legend(CELL_METRES[level], busiest, t))
    layers += over
    if shown["forecast"]:
        layers += overlays.forecast
        legend_items += overlays.forecast_legends
    if shown["incidents"] and view.points:
        layers.append(incident_layer(view.points, now, t, language))
    if shown["centers"]:
        layers.append(center_layer(view.centers, t, view.window.live, city_view))
        legend_items.append(center_legend(t, city_view))
    layers += labels
    if overlays.arrived:
        layers.append(arrivals_layer(overlays.arrived, overlays.fresh, now, t, language))
    if (shown["incidents"] and view.points) or overlays.arrived:
        legend_items.append(incident_legend(t, language))
    if shown["warnings"] and overlays.warnings:
        layers += warning_layers(overlays.warnings, overlays.warning_rules, t, language, city_view)
        legend_items.append(warning_legend(t, len(overlays.warnings), city_view))
    return make_deck(layers, initial, TOOLTIP, basemap), legend_items
