"""The leaders' views as plain Python (issue 13): labels that do not overlap, charts whose
labels are whole, the city view's street sums, the opening box, a sparse index kept out of the
ranking, the drill-down's opening month and the warnings' path and small map."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from geo.bounds import LngLatBbox, dense_bounds, weighted_quantiles
from geo.drill.queries import ChildArea
from geo.drill.rollup import AreaCounts
from geo.drill.safety_index import IndexInputs, load_rules, safety_index
from geo.drill.step import ChildRow, DrillStep, Figures, default_period
from geo.live.grid_status import GridMeasures, GridStatus
from geo.live.queries import AreaNode, Center, CenterLoad, Flows, Stocks, grid_owners
from geo.live.view import Static
from geo.queries.areas import AreaOutline
from geo.queries.kpis import Kpis
from geo.warnings.queries import EarlyWarning
from geo.warnings.rules import load_rules as load_warning_rules
from layers.area_status import FILL as STREET_FILL
from layers.area_status import (
    area_loads,
    area_status_layer,
    area_status_legend,
    worst_colour,
)
from layers.centers import CITY_MAX_RADIUS, center_layer, center_legend
from layers.charts import bar_chart, contribution_chart, date_ticks, trend_chart, wrap_label
from layers.deck import make_deck, view_for
from layers.grid_status import grid_edge_layer
from layers.heat import heat_layer
from layers.labels import label_box, place_in_sizes, place_labels, project, text_width_px
from layers.warnings import (
    outlines_bbox,
    warning_layers,
    warning_legend,
    warning_map_layers,
    warning_tooltip,
)


def t(key: str) -> str:
    """A translator that shows the key, with the placeholders the layers fill in."""
    return {
        "area_status_tip": "red {red} yellow {yellow} of {grids} open {open} overdue {overdue} "
        "new {new}",
        "legend_centers_note": "note",
        "legend_centers_city": "+city",
    }.get(key, key)


def _spec(layers) -> dict:
    return json.loads(make_deck(layers, view_for(LngLatBbox(103, 36, 104, 37))).to_json())


def _square(code: str, name: str, lon: float, lat: float, side: float, level="street"):
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    geometry = json.dumps({"type": "Polygon", "coordinates": [ring]})
    return AreaOutline(code, "p", name, level, 100, geometry, lon + side / 2, lat + side / 2)


# --- labels -------------------------------------------------------------------------------


def test_projection_doubles_with_each_zoom_level():
    x8, y8 = project(103.8, 36.06, 8)
    x9, y9 = project(103.8, 36.06, 9)
    assert abs(x9 - 2 * x8) < 1e-6 and abs(y9 - 2 * y8) < 1e-6
    assert project(-180, 0, 0) == (0.0, 256.0)


def test_a_chinese_name_is_wider_than_its_latin_letters():
    assert text_width_px("城关区", 15) == 45
    assert text_width_px("abc", 10) == 18


def test_labels_that_would_overlap_keep_the_larger_area():
    """Two names a few metres apart at city zoom: the larger area keeps its name."""
    big = _square("1", "皋兰路街道", 103.80, 36.05, 0.02)
    small = _square("2", "张掖路街道", 103.8101, 36.0601, 0.001)
    assert [o.code for o in place_labels([small, big], zoom=9, size_px=12)] == ["1"]
    # zoomed in far enough they no longer touch, and both are named
    assert {o.code for o in place_labels([small, big], zoom=17, size_px=12)} == {"1", "2"}


def test_labels_never_overlap_in_a_crowded_centre():
    """Forty streets packed in a small centre: whatever is kept, no two boxes meet."""
    crowd = [
        _square(
            f"{i:02d}", f"街道{i:02d}", 103.8 + (i % 8) * 0.004, 36.05 + (i // 8) * 0.003, 0.003
        )
        for i in range(40)
    ]
    kept = place_labels(crowd, zoom=11, size_px=12)
    boxes = [label_box(o.name, o.label_lon, o.label_lat, 11, 12) for o in kept]
    assert 0 < len(kept) < len(crowd)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_names_placed_before_are_avoided():
    """District names go first; a street name under one is dropped."""
    district = _square("d", "城关区", 103.80, 36.05, 0.05, level="district")
    street = _square("s", "临夏路街道", 103.80, 36.05, 0.05)
    taken: list = []
    assert place_labels([district], 10, 15, taken=taken) == [district]
    assert place_labels([street], 10, 11, taken=taken) == []
    assert place_labels([street], 10, 11) == [street]


def test_a_name_that_does_not_fit_is_tried_smaller():
    """Two districts whose names collide at 15 px: the smaller one is named at 12 px."""
    big = _square("1", "城关区", 103.80, 36.05, 0.05, level="district")
    small = _square("2", "安宁区", 103.80, 36.0583, 0.01, level="district")  # 21 px below
    assert place_labels([big, small], 10, 15) == [big]
    large, smaller = place_in_sizes([big, small], 10, (15, 12))
    assert (large, smaller) == ([big], [small])
    assert place_in_sizes([big, small], 10, (15,)) == [[big]]


# --- charts -------------------------------------------------------------------------------


def test_date_ticks_name_each_day_once_and_at_most_eight():
    assert date_ticks([date(2026, 12, 1), date(2026, 12, 2)]) == ["12-01", "12-02"]
    month = [date(2026, 11, 1) + timedelta(days=i) for i in range(30)]
    ticks = date_ticks(month)
    assert len(ticks) <= 8 and len(set(ticks)) == len(ticks) and ticks[0] == "11-01"


def test_the_trend_axis_is_one_place_per_day_with_those_ticks():
    days = [date(2026, 12, 1), date(2026, 12, 2)]
    frame = pd.DataFrame({"day": days, "new": [3, 4], "concluded": [1, 2]})
    spec = trend_chart(frame, {"new": "新增", "concluded": "办结"}).to_dict()
    x = spec["encoding"]["x"]
    assert x["type"] == "ordinal" and x["axis"]["values"] == ["12-01", "12-02"]
    assert x["axis"]["labelOverlap"] is False


def test_long_labels_are_wrapped_whole_not_cut():
    text = "Disputes, public order and fraud per 1,000 residents (30 days)"
    wrapped = wrap_label(text)
    assert wrapped.replace("\n", " ") == text and wrapped.count("\n") >= 2
    assert wrap_label("每千人矛盾治安类诉求", 10).split("\n") == ["每千人矛盾", "治安类诉求"]


def test_bar_charts_label_every_bar_in_full():
    names = [f"类别{i}" for i in range(14)] + ["Complaints from the 12345 hotline and others"]
    spec = bar_chart(names, list(range(15)), "新增").to_dict()
    axis = spec["encoding"]["y"]["axis"]
    assert axis["labelOverlap"] is False and axis["labelLimit"] == 0
    assert "split(datum.label" in axis["labelExpr"]
    assert spec["height"] == {"step": 15 * 2 + 8}  # every band holds its two-line label
    contribution = contribution_chart([text_long := names[-1]], [10.0], [5.0], ("得", "失"))
    labels = contribution.to_dict()["encoding"]["y"]["sort"]
    assert labels == [wrap_label(text_long)]


# --- the city view ------------------------------------------------------------------------


def _node(code: str, level: str, ancestors: tuple[str, ...]) -> AreaNode:
    return AreaNode(code, ancestors[-1] if ancestors else None, f"名{code}", level, 103.8, 36.0,
                    LngLatBbox(103.7, 36.0, 103.9, 36.1), ancestors)  # fmt: skip


def _tree() -> dict[str, AreaNode]:
    nodes = [
        _node("c", "city", ()),
        _node("d", "district", ("c",)),
        _node("s1", "street", ("c", "d")),
        _node("s2", "street", ("c", "d")),
        _node("k1", "community", ("c", "d", "s1")),
        _node("k2", "community", ("c", "d", "s2")),
        _node("g1", "grid", ("c", "d", "s1", "k1")),
        _node("g2", "grid", ("c", "d", "s1", "k1")),
        _node("g3", "grid", ("c", "d", "s2", "k2")),
    ]
    return {n.code: n for n in nodes}


def test_street_sums_add_their_grids_figures_and_colours():
    statuses = [
        GridStatus(GridMeasures("g1"), (0,), "red"),
        GridStatus(GridMeasures("g2"), (1,), "yellow"),
        GridStatus(GridMeasures("g3"), (0,), "red"),
    ]
    stocks = {"g1": Stocks(open=5, overdue=2), "g2": Stocks(open=1), "g3": Stocks(open=7)}
    flows = {"g1": Flows(new=4), "g3": Flows(new=9)}
    loads = area_loads("street", _tree(), statuses, stocks, flows)
    assert set(loads) == {"s1", "s2"}
    s1 = loads["s1"]
    assert (s1.grids, s1.red, s1.yellow, s1.open, s1.overdue, s1.new) == (2, 1, 1, 6, 2, 4)
    assert (loads["s2"].red, loads["s2"].open, loads["s2"].new) == (1, 7, 9)


def test_street_sums_from_a_known_grid_to_street_map_equal_the_tree_walk():
    """The grid → street map a boundary version keeps (`Static.street_of`) gives the sums the
    tree walk gives; a grid the map leaves out counts for no street."""
    tree = _tree()
    statuses = [
        GridStatus(GridMeasures("g1"), (0,), "red"),
        GridStatus(GridMeasures("g3"), (1,), "yellow"),
    ]
    stocks = {"g1": Stocks(open=5, overdue=2), "g2": Stocks(open=1), "g3": Stocks(open=7)}
    flows = {"g2": Flows(new=4), "g3": Flows(new=9)}
    owner = Static(1, tree, [], []).street_of
    assert owner == grid_owners(tree, "street") == {"g1": "s1", "g2": "s1", "g3": "s2"}
    walked = area_loads("street", tree, statuses, stocks, flows)
    assert area_loads("street", tree, statuses, stocks, flows, owner) == walked
    partial = area_loads("street", tree, statuses, stocks, flows, {"g1": "s1"})
    assert (partial["s1"].grids, partial["s1"].open, partial["s1"].new) == (1, 5, 0)
    assert (partial["s2"].grids, partial["s2"].yellow) == (0, 0)


def test_streets_take_the_colour_of_their_worst_grid():
    tree = _tree()
    statuses = [
        GridStatus(GridMeasures("g1"), (1,), "yellow"),
        GridStatus(GridMeasures("g3"), (0,), "red"),
    ]
    loads = area_loads("street", tree, statuses, {}, {})
    assert (worst_colour(loads["s1"]), worst_colour(loads["s2"])) == ("yellow", "red")
    assert worst_colour(area_loads("street", tree, [], {}, {})["s1"]) == "blue"
    legend = area_status_legend(loads, t)
    assert [item.label for item in legend.items] == [
        "area_status_red 1",
        "area_status_yellow 1",
        "area_status_blue 0",
    ]
    feature = {"type": "Feature", "geometry": None, "properties": {"code": "s2"}}
    layer = _spec([area_status_layer([feature], loads, {"s2": "东岗街道"}, t)])["layers"][0]
    props = layer["data"]["features"][0]["properties"]
    assert props["title"] == "东岗街道" and props["fill"] == STREET_FILL["red"]
    assert props["body"].startswith("red 1 yellow 0 of 1") and layer["pickable"] is True


def test_grid_edges_are_thin_lines_that_take_no_clicks():
    """A pixel wide, not pickable: the grids' fills under them take the clicks."""
    edges = _spec([grid_edge_layer("edges.json")])["layers"][0]
    assert edges["@@type"] == "LineLayer" and edges["data"] == "edges.json"
    assert edges["widthUnits"] == "pixels" and edges["getWidth"] == 1.0
    assert edges["pickable"] is False


def _load(level: str, open_: int) -> CenterLoad:
    return CenterLoad(Center(level, level, level, "a", None, 103.8, 36.0), open_, 1, 0, 0, None)


def test_the_city_view_draws_only_the_upper_centers_and_smaller():
    loads = [_load("city_center", 400), _load("sub_center", 100), _load("command_post", 900)]
    city = _spec([center_layer(loads, t, live=True, city_view=True)])["layers"][0]["data"]
    assert [r["title"] for r in city] == ["city_center", "sub_center"]
    assert max(r["r"] for r in city) == CITY_MAX_RADIUS
    inside = _spec([center_layer(loads, t, live=True)])["layers"][0]["data"]
    assert len(inside) == 3
    assert center_legend(t, city_view=True).note == "note+city"


def test_the_city_heat_keeps_the_towns_beside_the_core():
    """A lower threshold at city scale than inside an area, the counts as they are."""
    city = _spec([heat_layer([(103.8, 36.0, 400)], "city")])["layers"][0]
    street = _spec([heat_layer([(103.8, 36.0, 400)], "street")])["layers"][0]
    assert city["data"] == street["data"] == [{"p": [103.8, 36.0], "w": 400}]
    assert city["threshold"] < street["threshold"]


def test_the_opening_box_holds_the_cases_not_the_countryside():
    """Twenty busy cells in a core and two lone cases far out: the box is the core's, centred
    on the median."""
    core = [(103.80 + i * 0.001, 36.05 + i * 0.001, 50) for i in range(20)]
    far = [(103.0, 36.9, 1), (104.5, 35.5, 1)]
    box = dense_bounds(core + far, share=0.8)
    assert box is not None
    assert 103.79 < box.west < box.east < 103.83 and 36.04 < box.south < box.north < 36.08
    centre = box.center()
    assert abs(centre.lng - 103.8095) < 0.0015 and abs(centre.lat - 36.0595) < 0.0015
    whole = LngLatBbox(102.5, 35.3, 104.6, 37.1)
    assert box.clipped_to(whole) == box
    assert LngLatBbox(0, 0, 1, 1).clipped_to(whole) == whole
    assert dense_bounds([]) is None and dense_bounds([(103.8, 36.0, 0)]) is None
    one = dense_bounds([(103.8, 36.0, 3)], least_degrees=0.02)
    assert one is not None
    sides = [one.west, one.south, one.east, one.north]
    assert sides == pytest.approx([103.79, 35.99, 103.81, 36.01])


def test_the_box_is_centred_on_the_median_not_the_middle_of_the_spread():
    """Most weight in the east, a long thin tail to the west: the centre sits in the east."""
    east = [(104.0, 36.0, 60)]
    tail = [(103.0 + i * 0.1, 36.0, 5) for i in range(8)]
    box = dense_bounds(east + tail, share=0.8)
    assert box is not None and box.center().lng == 104.0
    assert weighted_quantiles([(1, 1), (2, 1), (3, 2)], 0.25, 0.5, 1.0) == [1, 2, 3]


# --- the drill-down -----------------------------------------------------------------------


def test_the_drill_down_opens_on_the_last_full_month_in_china_time():
    assert default_period(datetime(2026, 12, 2, 3, 0, tzinfo=UTC)) == "2026-11"
    assert default_period(datetime(2027, 1, 1, 2, 0, tzinfo=UTC)) == "2026-12"  # 10:00 CST
    assert default_period(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == "2026-12"  # 01:00 CST


def _figures(new: int, resolved: int) -> Figures:
    kpis = Kpis(new=new, concluded=new, resolved=resolved, open=0)
    inputs = IndexInputs(kpis, population=5000, days=30, new_in_categories=new, repeats=0)
    return Figures(AreaCounts(kpis, new, 0), safety_index(inputs, load_rules()))


def test_an_index_on_too_few_reports_is_marked_and_not_ranked():
    rules = load_rules()
    few, enough = _figures(4, 1), _figures(rules.min_reports, rules.min_reports)
    assert few.index.value is not None and few.index.sparse and not few.index.rankable
    assert enough.index.rankable
    rows = [
        ChildRow(ChildArea("a", "伏川社区", "community", None, 5000), few, 90.0),
        ChildRow(ChildArea("b", "乙社区", "community", None, 5000), enough, 80.0),
        ChildRow(ChildArea("c", "丙社区", "community", None, 5000), _figures(50, 10), 70.0),
    ]
    step = DrillStep(None, [], None, None, enough, enough, rows, [], [], [])  # type: ignore[arg-type]
    assert [r.area.code for r in step.ranked()] == ["c", "b", "a"]
    assert step.rank_count() == 2


# --- warnings -----------------------------------------------------------------------------


def _warning(**changes) -> EarlyWarning:
    now = datetime(2026, 12, 2, tzinfo=UTC)
    fields = dict(
        id=7, kind="grid_surge", status="new", district_code="620102", street_code="s",
        community_code="k", grid_code="g", lon=103.805, lat=36.055, category=None, address=None,
        figures={"new": 9, "previous": 2, "rise": 4.5}, window_start=now, window_end=now,
        detected_at=now, last_seen_at=now, assigned_center=None, closed_at=None,
        area_name="第3网格", area_path=("城关区", "临夏路街道", "伏川社区", "第3网格"),
    )  # fmt: skip
    return EarlyWarning(**{**fields, **changes})


def test_a_warning_says_its_whole_path():
    warning = _warning()
    assert warning.path_text() == "城关区 › 临夏路街道 › 伏川社区 › 第3网格"
    assert _warning(area_path=()).path_text() == "第3网格"
    assert warning.parent_code == "k"
    assert _warning(grid_code=None).parent_code == "s"
    assert _warning(street_code=None, community_code=None, grid_code=None).parent_code is None
    tip = warning_tooltip(warning, load_warning_rules(), lambda k: k, "zh")
    assert "城关区 › 临夏路街道 › 伏川社区 › 第3网格" in tip


def test_the_city_view_draws_warnings_as_small_dots_without_marks():
    rules = load_warning_rules()
    full = _spec(warning_layers([_warning()], rules, lambda k: k, "zh"))["layers"]
    small = _spec(warning_layers([_warning()], rules, lambda k: k, "zh", compact=True))["layers"]
    assert [layer["id"] for layer in full] == ["warnings", "warnings-mark"]
    assert [layer["id"] for layer in small] == ["warnings"]
    assert small[0]["getRadius"] < full[0]["getRadius"]
    assert warning_legend(lambda k: k, 3, compact=True).note == "legend_warnings_note_city"


def test_the_warning_map_shows_its_grid_among_named_neighbours():
    grids = [_square(c, f"第{i}网格", 103.80 + i * 0.01, 36.05, 0.01, "grid")
             for i, c in enumerate(["g", "h", "i"], start=1)]  # fmt: skip
    frame = [_square("k", "伏川社区", 103.8, 36.05, 0.03, "community")]
    box = outlines_bbox(frame)
    assert box == LngLatBbox(103.8, 36.05, 103.83, 36.08)
    view = view_for(box, 700, 340)
    layers = warning_map_layers(
        _warning(), grids, frame, load_warning_rules(), lambda k: k, "zh", view.zoom
    )
    spec = _spec(layers)
    by_id = {layer["id"]: layer for layer in spec["layers"]}
    assert [f["properties"]["code"] for f in by_id["warning-area"]["data"]["features"]] == ["g"]
    assert {d["name"] for d in by_id["warning-labels"]["data"]} == {"第1网格", "第2网格", "第3网格"}
    assert by_id["warnings"]["data"][0]["p"] == [103.805, 36.055]
    assert outlines_bbox([]) is None
