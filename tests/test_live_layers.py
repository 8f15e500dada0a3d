"""The live map's layers: pure functions from query results to deck.gl JSON and legends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from geo.bounds import LngLatBbox
from geo.live.grid_status import GridMeasures, GridStatus, load_rules
from geo.live.queries import Center, CenterLoad, GridShape, IncidentPoint
from layers.centers import MAX_RADIUS, center_layer, overdue_color, radius_px
from layers.deck import Basemap, configured_basemap, make_deck, view_for
from layers.grid_status import (
    FILL,
    base_records,
    grid_base_layer,
    grid_records,
    grid_status_layers,
    grid_status_legend,
)
from layers.heat import heat_data, heat_layer
from layers.incidents import arrivals_layer, incident_layer
from layers.legend import Legend, LegendItem, legend_html

NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
RING = [[103.7, 36.0], [103.71, 36.0], [103.71, 36.01], [103.7, 36.0]]
SQUARE = [[RING]]  # one polygon of one ring


def t(key: str) -> str:
    """A translator that shows the key, so tests see which text went where."""
    return {"grid_counts": "open {open} overdue {overdue} new {new} before {previous}"}.get(
        key, key
    )


def _spec(layers) -> dict:
    return json.loads(make_deck(layers, view_for(LngLatBbox(103, 36, 104, 37))).to_json())


def _status(code: str, color: str, met: tuple[int, ...] = (), **measures) -> GridStatus:
    return GridStatus(GridMeasures(code, **measures), met, color)


def test_deck_json_is_compact_and_keeps_chinese():
    """No indentation and no \\u escapes: a third of pydeck's own output."""
    deck = make_deck(
        [heat_layer([(103.8, 36.0, 3)], "city")], view_for(LngLatBbox(103, 36, 104, 37))
    )
    text = deck.to_json()
    assert "\n" not in text and "\\u" not in text
    assert json.loads(text)["layers"][0]["@@type"] == "HeatmapLayer"


def test_no_basemap_means_no_style_and_no_tile_layer():
    """Without a basemap the deck asks for no map style and has no tile layer."""
    spec = _spec([])
    assert spec["mapStyle"] == "__MAP_STYLE__" or "mapStyle" not in spec or not spec["mapStyle"]
    assert spec["layers"] == []


def test_basemap_is_a_flat_terrain_layer_on_the_xyz_url():
    """The XYZ URL is texture and (zeroed) elevation; the worker comes from the app (no CDN)."""
    url = "http://tiles.intranet/{z}/{x}/{y}.png"
    deck = make_deck([], view_for(LngLatBbox(103, 36, 104, 37)), basemap=Basemap(url))
    layer = json.loads(deck.to_json())["layers"][0]
    assert layer["@@type"] == "TerrainLayer"
    assert layer["texture"] == url and layer["elevationData"] == url
    assert set(layer["elevationDecoder"].values()) == {0}
    assert layer["loadOptions"]["terrain"]["workerUrl"].startswith("app/static/")


def test_grid_layers_split_by_colour_with_reasons_in_the_tooltip():
    """One layer per colour, red on top; the tooltip says the colour, why, and the numbers."""
    rules = load_rules()
    shapes = [GridShape(code, SQUARE) for code in ("r", "y", "b")]
    statuses = {
        "r": _status("r", "red", (0,), major_open=2, open=4),
        "y": _status("y", "yellow", (2,), dispute_open=7, open=7),
        "b": _status("b", "blue", open=1),
    }
    records = grid_records(shapes, statuses, {"r": "红网格"}, rules, t, "zh")
    layers = grid_status_layers(records)
    assert [layer.id for layer in layers] == [
        "grid-status-blue", "grid-status-yellow", "grid-status-red",
    ]  # fmt: skip
    red = records["red"][0]
    assert red["title"] == "红网格" and red["code"] == "r"
    assert red["body"].startswith("color_red · ") and "2" in red["body"]
    assert "open 4 overdue 0" in red["body"]
    assert records["blue"][0]["body"].startswith("color_blue · grid_no_rule")
    spec = _spec(layers)
    assert spec["layers"][2]["getFillColor"] == FILL["red"]
    assert spec["layers"][0]["data"][0]["p"] == [[[103.7, 36.0], [103.71, 36.0], [103.71, 36.01],
                                                  [103.7, 36.0]]]  # fmt: skip


def test_the_city_base_layer_can_be_a_url():
    """The blue base layer's data may be the URL of its records, fetched once by the browser."""
    records = base_records([GridShape("g", SQUARE)], {"g": "第1网格"}, t)
    assert records[0]["title"] == "第1网格"
    spec = _spec([grid_base_layer("app/static/live/grids-v1-zh-abc.json")])
    assert spec["layers"][0]["data"] == "app/static/live/grids-v1-zh-abc.json"


def test_grid_legend_counts_and_summarises_the_rules():
    """Counts per colour, and each colour's rules in a line."""
    legend = grid_status_legend({"red": 3, "yellow": 10, "blue": 200}, load_rules(), t)
    assert [item.label for item in legend.items] == [
        "color_red 3",
        "color_yellow 10",
        "color_blue 200",
    ]
    assert "measure_major_open ≥ 1" in legend.note


def test_heat_sends_cells_not_incidents():
    """One record per non-empty cell, rounded to about 10 m."""
    data = heat_data([(103.812345, 36.054321, 4), (103.9, 36.1, 0)])
    assert data == [{"p": [103.8123, 36.0543], "w": 4}]


def _load(level: str, open_: int, overdue: int) -> CenterLoad:
    center = Center("c", "某工作站", level, "a", None, 103.8, 36.0)
    return CenterLoad(center, open_, overdue, 5, 1, 12.5)


def test_center_size_and_colour_follow_open_and_overdue():
    """The busiest center gets the biggest dot; colour goes green to red with the overdue share."""
    busy, calm, idle = (
        _load("command_post", 400, 300),
        _load("workstation", 25, 1),
        _load("workstation", 0, 0),
    )
    assert radius_px(busy, 400) == MAX_RADIUS
    assert radius_px(calm, 400) == MAX_RADIUS * 0.25
    assert radius_px(idle, 400) == 2.0  # a workstation's least size
    assert overdue_color(busy)[:3] == [215, 25, 28]
    assert overdue_color(calm)[:3] == [26, 150, 65]
    assert overdue_color(idle)[:3] == [150, 150, 150]
    record = _spec([center_layer([busy], t, live=True)])["layers"][0]["data"][0]
    assert record["title"] == "某工作站"
    assert "center_today" in record["body"]


def _point(pid: int, text: str = "楼道里有<script>alert(1)</script>") -> IncidentPoint:
    return IncidentPoint(
        pid, 103.8, 36.05, "hotline_12345", "dispute", "neighbour", "in_progress", 2, pid == 1,
        NOW - timedelta(hours=3), NOW - timedelta(hours=1), "某小区", text, "g",
    )  # fmt: skip


def test_incident_tooltips_carry_the_residents_words_as_data():
    """Resident text goes into a field (the tooltip escapes fields); overdue and major marked."""
    layer = incident_layer([_point(1), _point(2)], NOW, t, "zh")
    data = _spec([layer])["layers"][0]["data"]
    major = next(r for r in data if r["body"].startswith("tip_major"))
    assert "<script>alert(1)</script>" in major["body"]  # as text; escaped by the tooltip
    assert "tip_overdue" in major["body"]
    assert major["title"] == "矛盾纠纷 · 邻里纠纷"


def test_arrivals_of_the_last_refresh_ring_larger():
    """Arrivals of this refresh get a bigger ring than earlier ones."""
    layer = arrivals_layer([_point(1), _point(2)], {2}, NOW, t, "zh")
    radii = [r["r"] for r in _spec([layer])["layers"][0]["data"]]
    assert radii == [4.5, 7]


def test_legend_html_escapes_every_label():
    """Labels and notes are escaped; ramps and swatches are drawn."""
    html = legend_html(
        [
            Legend("<b>x</b>", [LegendItem([1, 2, 3, 255], "a&b", "dot")], note="<i>"),
            Legend("ramp", ramp=[[0, 0, 0, 255], [255, 0, 0, 255]], ramp_labels=("少", "多")),
        ]
    )
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "a&amp;b" in html and "&lt;i&gt;" in html
    assert "linear-gradient" in html and "border-radius:50%" in html


def test_no_basemap_unless_a_url_is_configured():
    """Without a URL no tile layer is made (offline first); with one, its attribution is kept."""
    assert configured_basemap(None) is None and configured_basemap("", "x") is None
    basemap = configured_basemap("http://tiles.intranet/{z}/{x}/{y}.png", "内网底图")
    assert basemap == Basemap("http://tiles.intranet/{z}/{x}/{y}.png", "内网底图")
