"""The live map's deck as layers.live_map builds it, and the key grids' order (no database)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import shapely

from geo.bounds import LngLatBbox
from geo.live.grid_status import GridMeasures, GridStatus, key_grids, load_rules
from geo.live.queries import (
    AreaNode,
    Flows,
    FlowTable,
    GridShape,
    HeatCell,
    IncidentPoint,
    StockTable,
    Window,
)
from geo.live.view import LiveView, Static
from geo.queries.areas import AreaOutline
from geo.warnings.rules import load_rules as load_warning_rules
from layers.deck import pixel_degrees
from layers.live_map import (
    MapParts,
    Overlays,
    area_features,
    area_grid_edges,
    city_box,
    display_tolerance,
    grid_names,
    live_deck,
    served_payloads,
    simplified,
)

NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
CITY = LngLatBbox(103.0, 35.8, 104.4, 36.8)
SWITCHES = {
    "grid_status": True, "heat": False, "centers": True, "incidents": True, "warnings": True,
    "forecast": False,
}  # fmt: skip


def t(key: str) -> str:
    """A translator that shows the key, so tests see which text went where."""
    return {"grid_counts": "{open} {overdue} {new} {previous}"}.get(key, key)


def _box(west: float, south: float, size: float) -> LngLatBbox:
    return LngLatBbox(west, south, west + size, south + size)


def _node(code: str, name: str, level: str, box: LngLatBbox, *up: str) -> AreaNode:
    centre = box.center()
    parent = up[-1] if up else None
    return AreaNode(code, parent, name, level, centre.lng, centre.lat, box, up)


def _world() -> Static:
    """A city of two districts; the first has a street, a community and two grids."""
    city = "620100"
    d1, d2, street, community = "620102", "620103", "620102001", "620102001001"
    nodes = [
        _node(city, "兰州市", "city", CITY),
        _node(d1, "城关区", "district", _box(103.7, 36.0, 0.2), city),
        _node(d2, "七里河区", "district", _box(103.5, 36.0, 0.2), city),
        _node(street, "张掖路街道", "street", _box(103.7, 36.0, 0.1), city, d1),
        _node(community, "金塔巷社区", "community", _box(103.7, 36.0, 0.05), city, d1, street),
        _node(f"{community}01", "一网格", "grid", _box(103.7, 36.0, 0.02), city, d1, street,
              community),
        _node(f"{community}02", "二网格", "grid", _box(103.72, 36.0, 0.02), city, d1, street,
              community),
    ]  # fmt: skip
    tree = {n.code: n for n in nodes}
    shapes = [GridShape(n.code, [[_ring(n.bbox)]]) for n in nodes if n.level == "grid"]
    return Static(1, tree, shapes, [])


def _ring(box: LngLatBbox) -> list[list[float]]:
    w, s, e, n = box.west, box.south, box.east, box.north
    return [[w, s], [e, s], [e, n], [w, n], [w, s]]


def _parts(static: Static) -> MapParts:
    outlines = [
        AreaOutline(
            n.code, n.parent_code, n.name, n.level, 1000,
            json.dumps({"type": "Polygon", "coordinates": [_ring(n.bbox)]}), n.lon, n.lat,
        )
        for n in static.tree.values()
        if n.level in ("district", "street", "community")
    ]  # fmt: skip
    features = area_features(outlines)
    payloads = served_payloads(static, features, "zh", t)
    served = {name: payload for name, (_, payload) in payloads.items()}
    return MapParts(features, served, grid_names(static)[0])


def _status(code: str, color: str, **measures: int) -> GridStatus:
    return GridStatus(GridMeasures(code, **measures), (), color)


def _view(grids: list[GridStatus]) -> LiveView:
    """A refresh with these grid colours and five reports in one heat cell."""
    window = Window(NOW - timedelta(days=7), NOW, NOW - timedelta(hours=4), NOW, True)
    cell = HeatCell.for_level("city")
    cells = {(int(103.71 / cell.dx), int(36.01 / cell.dy)): Flows(new=5)}
    counts = {c: sum(g.color == c for g in grids) for c in ("red", "yellow", "blue")}
    return LiveView(
        window, cell, FlowTable(cells=cells), FlowTable(), StockTable(), grids, counts, [], []
    )


def _deck(
    static: Static,
    focus: AreaNode | None = None,
    overlays: Overlays | None = None,
    **switches: bool,
) -> tuple[list[dict], list[str]]:
    """The deck's layers (as JSON) and the titles of its legends; the first grid is red."""
    grids = [_status(static.shapes[0].code, "red", overdue=2)]
    parts = _parts(static)
    if focus is not None:
        parts = replace(parts, grid_edges=area_grid_edges(static, focus.code)[1])
    deck, legends = live_deck(
        _view(grids), static, focus, {**SWITCHES, **switches}, parts,
        overlays or Overlays(load_warning_rules()), focus.bbox if focus else CITY, load_rules(),
        NOW, t, "zh",
    )  # fmt: skip
    return json.loads(deck.to_json())["layers"], [legend.title for legend in legends]


def _ids(layers: list[dict]) -> list[str]:
    return [layer["id"] for layer in layers]


def test_key_grids_are_red_then_yellow_by_major_risks_overdue_and_new():
    grids = [
        _status("blue", "blue", major_open=9, overdue=9, new=9),
        _status("yellow-busy", "yellow", major_open=3),
        _status("red-new", "red", new=7),
        _status("red-overdue", "red", overdue=1),
        _status("red-major", "red", major_open=1),
        _status("red-overdue-more", "red", overdue=2, new=1),
        _status("yellow", "yellow"),
    ]
    assert [g.measures.code for g in key_grids(grids)] == [
        "red-major", "red-overdue-more", "red-overdue", "red-new", "yellow-busy", "yellow",
    ]  # fmt: skip
    assert key_grids([grids[0]]) == []


def test_the_city_opens_where_its_cases_are():
    """The central 80 % of the cases, inside the city; the whole city without cases."""
    static = _world()
    assert city_box(static, []) == CITY
    cases = [(103.80 + i * 0.001, 36.05, 10) for i in range(20)] + [(104.3, 36.7, 1)]
    box = city_box(static, cases)
    # the cluster (103.800–103.819° E) is in the box; the case far out does not widen it
    assert CITY.west <= box.west <= 103.80 and 103.819 <= box.east < 103.9
    assert CITY.south <= box.south < 36.05 < box.north < 36.1
    far = city_box(static, [(110.0, 40.0, 5)])  # cases outside the city: the city
    assert far == CITY


def test_the_default_switches_draw_grids_streets_and_centers_in_order():
    layers, legends = _deck(_world())
    ids = _ids(layers)
    assert ids == [
        "area-status", "grid-status-yellow", "grid-status-red", "streets",
        "district-edges", "centers", "labels", "street-labels",
    ]  # fmt: skip
    red = next(layer for layer in layers if layer["id"] == "grid-status-red")
    assert {r["code"] for r in red["data"]} == {"62010200100101"}
    assert red["data"][0]["title"] == "金塔巷社区 · 一网格"
    assert legends == ["legend_area_status", "legend_grid_status", "legend_centers"]


def test_switches_add_and_remove_layers_and_their_legends():
    static = _world()
    layers, legends = _deck(static, grid_status=False, centers=False, heat=True)
    ids = _ids(layers)
    assert not [i for i in ids if i.startswith(("grid-", "area-status"))]
    assert "centers" not in ids and "legend_centers" not in legends
    assert ids.index("heat") < ids.index("streets")  # heat under the edges
    districts = next(layer for layer in layers if layer["id"] == "districts")
    assert districts["pickable"] is True  # with the grids gone, the districts take clicks
    assert legends == ["legend_heat"]
    assert "districts" not in _ids(_deck(static)[0])  # grids on: they take the clicks


def test_clickable_areas_carry_their_code_and_name():
    """The districts at city scale and an opened area's children: a click reads the code."""
    static = _world()
    layers, _ = _deck(static, grid_status=False)
    districts = next(layer for layer in layers if layer["id"] == "districts")["data"]
    props = {f["properties"]["code"]: f["properties"] for f in districts["features"]}
    assert set(props) == {"620102", "620103"}
    assert props["620102"]["title"] == "城关区"
    assert props["620102"]["body"] == "tip_area_hint"
    district = static.tree["620102"]
    layers, _ = _deck(static, district, grid_status=False)
    areas = next(layer for layer in layers if layer["id"] == "areas")
    assert areas["pickable"] is True
    (child,) = areas["data"]["features"]
    assert child["properties"]["code"] == "620102001"
    assert child["properties"]["title"] == "张掖路街道"
    assert "focus-edges" in _ids(layers)
    layers, _ = _deck(static, district)  # grid colours on: the grids take the clicks
    assert "areas" not in _ids(layers) and "areas-edges" in _ids(layers)
    assert "grid-edges" in _ids(layers)  # inside an area its grids' edges show


def test_arrivals_are_drawn_over_the_labels_with_the_incident_legend():
    point = IncidentPoint(
        7, 103.71, 36.01, "hotline_12345", "dispute", "neighbour", "reported", 2, False,
        NOW - timedelta(minutes=1), NOW + timedelta(days=3), "某小区", "吵闹", "62010200100101",
    )  # fmt: skip
    overlays = Overlays(load_warning_rules(), arrived=[point], fresh={7})
    layers, legends = _deck(_world(), overlays=overlays)
    ids = _ids(layers)
    assert ids[-1] == "arrivals" and ids.index("labels") < ids.index("arrivals")
    assert layers[-1]["data"][0]["r"] == 7
    assert "legend_incidents" in legends


def test_grid_names_say_community_and_grid_then_district_and_street():
    titles, places = grid_names(_world())
    assert titles["62010200100102"] == "金塔巷社区 · 二网格"
    assert places["62010200100102"] == "城关区 · 张掖路街道"


def _wiggly_street() -> dict:
    """A street whose south edge has 200 points wobbling 1e-5° (about a metre) off a line."""
    south = [[103.7 + i * 0.0005, 36.0 + (i % 2) * 1e-5] for i in range(201)]
    ring = [*south, [103.8, 36.05], [103.7, 36.05], south[0]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"code": "s", "parent": "d", "fill": [255, 255, 255, 1]},
    }


def test_a_street_is_simplified_to_half_a_pixel_of_the_map_that_opens_on_it():
    """Half a pixel at the whole zoom at or above the map's: never coarser than the map shows;
    the outline keeps its shape within that, its properties, and 1e-5° coordinates."""
    assert display_tolerance(10.18) == pixel_degrees(11) / 2 <= pixel_degrees(10.18) / 2
    assert display_tolerance(11.0) == pixel_degrees(11) / 2
    street = _wiggly_street()
    tolerance = display_tolerance(10.18)
    (out,) = simplified([street], tolerance)
    assert out["properties"] == street["properties"] and out["type"] == "Feature"
    ring = out["geometry"]["coordinates"][0]
    assert len(ring) < 10 < len(street["geometry"]["coordinates"][0])
    assert all(round(v, 5) == v for point in ring for v in point)
    before, after = (shapely.from_geojson(json.dumps(f["geometry"])) for f in (street, out))
    assert shapely.hausdorff_distance(before, after) <= tolerance + 1e-5
    assert math.isclose(after.area, before.area, rel_tol=1e-3)


def test_the_city_view_draws_the_streets_it_is_given_for_its_zoom():
    """MapParts.streets (the page's simplified outlines) are what the street layer draws."""
    static = _world()
    parts = _parts(static)
    small = [
        {**f, "geometry": {"type": "Point", "coordinates": [103.75, 36.05]}}
        for f in parts.features["street"]
    ]
    grids = [_status(static.shapes[0].code, "red", overdue=2)]
    for given, expected in ((None, parts.features["street"]), (small, small)):
        deck, _ = live_deck(
            _view(grids), static, None, SWITCHES,
            MapParts(parts.features, parts.served, parts.titles, given),
            Overlays(load_warning_rules()), CITY, load_rules(), NOW, t, "zh",
        )  # fmt: skip
        layer = next(x for x in json.loads(deck.to_json())["layers"] if x["id"] == "area-status")
        drawn = [f["geometry"] for f in layer["data"]["features"]]
        assert drawn == [f["geometry"] for f in expected]


def test_an_areas_grid_edges_are_those_of_its_own_grids():
    """Inside an area only its grids' edges are served (each shared edge once), in a file of
    that area: not the city's every grid."""
    static = _world()
    community = "620102001001"
    stem, district = area_grid_edges(static, "620102")
    assert stem == "grid-edges-v1-620102"
    assert len(district) == 7  # two squares side by side: one edge shared
    assert area_grid_edges(static, community)[1] == district
    assert len(area_grid_edges(static, f"{community}01")[1]) == 4
    assert area_grid_edges(static, "620103")[1] == []
    layers, _ = _deck(static, static.tree["620103"])
    edges = next(layer for layer in layers if layer["id"] == "grid-edges")
    assert edges["data"] == []
