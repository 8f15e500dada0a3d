"""The live map page in Streamlit's AppTest: filters, layer switches, areas, clicks, language."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import db
from geo.filters import IncidentFilter, Scope, parse_period
from geo.live import queries as live
from geo.queries.kpis import area_kpis
from geo.settings import get_settings
from geo.timeutil import now_utc
from tests.support import area_map, pick_on_map, signed_in

pytestmark = pytest.mark.db
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture
def app(demo_db, monkeypatch):
    """The app against the seeded demo, with fresh settings and caches."""
    monkeypatch.setenv("DATABASE_URL", demo_db)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield signed_in(AppTest.from_file(APP, default_timeout=120), demo_db, "admin")
    get_settings.cache_clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def tree(demo_db):
    """The demo's area tree."""
    conn = db.connect(demo_db)
    try:
        return live.area_tree(conn)
    finally:
        conn.close()


def _deck(at: AppTest) -> dict:
    return area_map(at)


def _layer_ids(at: AppTest) -> list[str]:
    """The map's layer ids, without the view a clickable layer's id carries (`@<view>`)."""
    return [layer["id"].split("@")[0] for layer in _deck(at)["layers"]]


def _layer(at: AppTest, layer_id: str) -> dict:
    return next(layer for layer in _deck(at)["layers"] if layer["id"].split("@")[0] == layer_id)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def test_the_page_opens_with_kpis_and_the_default_layers(app):
    """Default page: the title, six key figures, grid colours and centers on, heat off."""
    at = app.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "民情地图 · 实时态势"
    assert list(_metrics(at)) == ["今日新增", "期内新增", "在办", "超期", "重大风险在办", "化解率"]
    layers = _layer_ids(at)
    assert {"area-status", "grid-status-red", "grid-status-yellow", "centers"} <= set(layers)
    assert {"district-edges", "streets", "labels"} <= set(layers)
    assert "grid-edges" not in layers  # at city scale: a click opens the grids
    deck = _deck(at)
    assert all(  # no stroked polygons: edges are LineLayers (layers.outlines)
        not layer.get("stroked") for layer in deck["layers"] if "Polygon" in layer["@@type"]
    )
    assert all(  # the clickable layers carry the view they belong to
        layer["id"].endswith("@city-7d") for layer in deck["layers"] if layer.get("pickable")
    )
    assert "heat" not in layers and "incidents" not in layers
    assert at.query_params["period"] == "7d"


def test_layer_switches_add_and_remove_layers(app):
    """Heat on adds the heat layer (server cells); grid colours off removes every grid layer."""
    at = app.run()
    at.toggle(key="layer_heat").set_value(True).run()
    heat = _layer(at, "heat")
    assert heat["@@type"] == "HeatmapLayer" and len(heat["data"]) > 10
    assert all(set(cell) == {"p", "w"} for cell in heat["data"])
    at.toggle(key="layer_grid_status").set_value(False).run()
    assert not [lid for lid in _layer_ids(at) if lid.startswith("grid-")]
    assert _layer(at, "districts")["pickable"] is True  # with the grids gone, they take clicks
    at.toggle(key="layer_centers").set_value(False).run()
    assert "centers" not in _layer_ids(at)


def test_filters_drive_the_key_figures(app, demo_db):
    """A category, then major risks only: the figures are those of geo.queries.kpis."""
    at = app.run()
    everything = _count(_metrics(at)["期内新增"])
    at.multiselect(key="flt_categories").set_value(["fraud"]).run()
    fraud = _count(_metrics(at)["期内新增"])
    conn = db.connect(demo_db)
    try:
        flt = IncidentFilter(parse_period("7d", now_utc()), categories=("fraud",))
        assert fraud == area_kpis(conn, flt).new
    finally:
        conn.close()
    assert 0 < fraud < everything
    at.multiselect(key="flt_categories").set_value([]).run()
    at.toggle(key="flt_major").set_value(True).run()
    figures = _metrics(at)
    assert figures["在办"] == figures["重大风险在办"]


def test_time_windows_and_a_custom_range(app):
    """30 days counts more than 7; a custom range goes to the URL in parse_period's form."""
    at = app.run()
    week = _count(_metrics(at)["期内新增"])
    at.radio(key="flt_window").set_value("30d").run()
    assert _count(_metrics(at)["期内新增"]) > week
    assert at.query_params["period"] == "30d"
    at.radio(key="flt_window").set_value("custom").run()
    assert ".." in at.query_params["period"]
    assert at.date_input(key="flt_range")


def test_a_status_filter_keeps_only_those_cases(app, demo_db):
    """Only cases waiting to be assigned: the open and overdue figures are those of the
    reported cases alone, fewer than all open cases."""
    at = app.run()
    everything = _count(_metrics(at)["在办"])
    at.multiselect(key="flt_statuses").set_value(["reported"]).run()
    figures = _metrics(at)
    conn = db.connect(demo_db)
    try:
        flt = IncidentFilter(parse_period("7d", now_utc()), statuses=("reported",))
        expected = area_kpis(conn, flt)
    finally:
        conn.close()
    assert _count(figures["在办"]) == expected.open < everything
    assert _count(figures["超期"]) == expected.overdue
    assert not at.exception


def test_the_url_opens_an_area(app, tree):
    """?area=<district> opens it: breadcrumb, a closer view, its streets, its workstations."""
    district = next(n for n in tree.values() if n.level == "district")
    at = app.run()
    city_zoom = _deck(at)["initialViewState"]["zoom"]
    app.query_params["area"] = district.code
    at = app.run()
    assert any(b.label == district.name for b in at.button)
    deck = _deck(at)
    assert deck["initialViewState"]["zoom"] > city_zoom
    edges = _layer(at, "areas-edges")["data"]
    assert edges and all(len(segment) == 4 for segment in edges)
    at.toggle(key="layer_grid_status").set_value(False).run()
    areas = _layer(at, "areas")
    streets = {f["properties"]["code"] for f in areas["data"]["features"]}
    assert streets and all(tree[code].parent_code == district.code for code in streets)
    centers = _layer(at, "centers")
    assert any(c["title"].endswith("工作站") for c in centers["data"])


def test_an_unknown_area_in_the_url_shows_the_city(app):
    """A code that is not an area falls back to the whole city, without an error; the URL
    loses it, and a notice says why."""
    app.query_params["area"] = "no-such-area"
    at = app.run()
    assert not at.exception
    assert "areas" not in _layer_ids(at)
    assert "area" not in at.query_params
    assert any("no-such-area" in w.value for w in at.warning)


def _click(at: AppTest, layer_id: str, obj: dict) -> AppTest:
    """A click on the map, as the browser reports it."""
    return pick_on_map(at, _layer(at, layer_id)["id"], obj)  # the layer's id with its view


def test_clicking_a_grid_opens_the_next_area_toward_it(app, tree, demo_db):
    """From the city a click on a street (the city view fills streets, not grids) opens its
    district; from there a click on a grid, its street, whose incidents are then drawn as
    points."""
    conn = db.connect(demo_db)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT grid_code FROM incidents WHERE reported_at > now() - interval '6 days' "
                "GROUP BY street_code, grid_code ORDER BY count(*) DESC LIMIT 1"
            )
            grid = cur.fetchone()[0]
    finally:
        conn.close()
    district, street = tree[grid].ancestors[1], tree[grid].ancestors[2]
    at = app.run()
    at = _click(at, "area-status", {"properties": {"code": street, "title": "", "body": ""}})
    assert at.query_params["area"] == district
    at = at.run()
    record = next(
        r for layer in _deck(at)["layers"] if layer["id"].startswith("grid-status")
        for r in layer["data"] if r["code"] == grid
    )  # fmt: skip
    at = _click(at, "grid-status-blue", record)
    assert at.query_params["area"] == street
    points = _layer(at, "incidents")
    assert points["data"] and all({"title", "body", "p"} <= set(r) for r in points["data"])


def test_english_is_one_switch_away(app, demo_db):
    """The language switch turns the page's text into English (kept for the user: undone
    after, the demo's admin signs in elsewhere in the tests)."""
    at = app.run()
    try:
        at.selectbox(key="lang").set_value("en").run()
        assert at.title[0].value == "Minqing Map · Live map"
        assert "Open" in _metrics(at)
    finally:
        conn = db.connect(demo_db)
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE users SET language = NULL WHERE username = 'admin'")
        conn.close()


def test_scope_of_the_filter_follows_the_area(app, tree, demo_db):
    """With a street open, the key figures are the street's."""
    street = next(n for n in tree.values() if n.level == "street")
    app.query_params["area"] = street.code
    at = app.run()
    conn = db.connect(demo_db)
    try:
        flt = IncidentFilter(parse_period("7d", now_utc()), scope=Scope("street", street.code))
        assert _count(_metrics(at)["在办"]) == area_kpis(conn, flt).open
    finally:
        conn.close()


def test_the_side_panel_lists_the_key_grids_red_first_as_a_plain_table(app):
    """Beside the map: the red and yellow grids (the map's, red first, at most 30) with their
    reasons, as plain escaped tables, not the data grid (st.dataframe)."""
    app.query_params["period"] = "30d"
    at = app.run()
    assert not at.exception, at.exception
    assert not at.get("arrow_data_frame")
    red = [g["title"] for g in _layer(at, "grid-status-red")["data"]]
    yellow = [g["title"] for g in _layer(at, "grid-status-yellow")["data"]]
    assert red or yellow
    tables = [h.proto.body for h in at.get("html") if "mq-table" in h.proto.body]
    key = tables[-1]
    assert key.count("<tr>") - 1 == min(30, len(red) + len(yellow))
    rows = key.split("<tr>")[2:]
    assert [row.startswith("<td>红色</td>") for row in rows] == [
        i < len(red) for i in range(len(rows))
    ]
    if len(red) + len(yellow) <= 30:
        assert all(html.escape(title) in key for title in red + yellow)
