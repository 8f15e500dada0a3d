"""The leaders' pages in Streamlit's AppTest (issue 13): the drill-down's opening month and
its sparse indexes, the live map's city view, the warnings' path and small map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import db
from geo.bounds import LngLatBbox
from geo.drill.safety_index import load_rules
from geo.drill.step import default_period
from geo.live import queries as live
from geo.settings import get_settings
from geo.timeutil import now_utc
from tests.support import area_map, area_map_data, signed_in
from tests.warning_fixtures import warned_database

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
DRILL = "dashboard/drilldown.py"
WARNINGS = str(ROOT / "dashboard" / "warnings.py")
SPARSE = "样本不足"


def _clear() -> None:
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app(demo_db, monkeypatch):
    """A factory of the app against the seeded demo, signed in as a demo account."""
    monkeypatch.setenv("DATABASE_URL", demo_db)
    _clear()
    yield lambda user="admin": signed_in(AppTest.from_file(APP, default_timeout=180), demo_db, user)
    _clear()


def _open(at: AppTest, path: str | None = None, **query: str) -> AppTest:
    at = at.run()
    if path:
        at.query_params.clear()  # the live map, opened first, put its own period there
        at = at.switch_page(path)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _deck(at: AppTest, index: int = 0) -> dict:
    return area_map(at, index)


def _street_with_most_communities(url: str) -> str:
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT parent_code FROM current_areas WHERE level = 'community'"
                " GROUP BY parent_code ORDER BY count(*) DESC, parent_code LIMIT 1"
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_the_drill_down_opens_on_the_last_full_month(app):
    at = _open(app(), DRILL)
    assert not at.exception, at.exception
    period = at.selectbox[0]
    assert period.value == default_period(now_utc())
    assert "上月" in period.format_func(period.value)


def test_the_city_map_sends_its_districts_at_the_maps_scale(app, demo_db):
    """Every district on the drill-down's city map, its outline simplified to half a pixel of
    the map: the spec the browser parses at each visit stays small (285 KB on the small demo
    with the outlines in full detail, about a third of that at the map's scale)."""
    at = _open(app(), DRILL)
    assert not at.exception, at.exception
    spec = area_map_data(at)["spec"]
    children = next(x for x in json.loads(spec)["layers"] if x["id"].startswith("children@"))
    conn = db.connect(demo_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM current_areas WHERE level = 'district'")
            districts = cur.fetchone()[0]
    finally:
        conn.close()
    assert len(children["data"]["features"]) == districts
    assert len(spec.encode()) < 150_000


def test_sparse_indexes_are_marked_and_listed_without_a_rank(app, demo_db):
    """A street's communities on a small demo: those on too few reports say 样本不足, have no
    rank and come after every ranked one; the note under the table counts them."""
    street = _street_with_most_communities(demo_db)
    at = _open(app(), DRILL, area=street, period=default_period(now_utc()))
    assert not at.exception, at.exception
    frame = next(df.value for df in at.dataframe if "排名" in df.value.columns)
    sparse = frame["等级"] == SPARSE
    assert sparse.any(), "the small demo has communities on few reports"
    assert (frame.loc[sparse, "排名"] == "—").all()
    assert frame.loc[sparse, "较上期"].isna().all()
    ranked = frame.loc[~sparse & frame["平安指数"].notna(), "排名"].tolist()
    assert ranked == [str(i) for i in range(1, len(ranked) + 1)]
    assert not sparse.iloc[: len(ranked)].any()  # ranked first
    minimum = load_rules().min_reports
    assert (frame.loc[sparse, "新增诉求"] < minimum).all()
    assert (frame.loc[~sparse & frame["平安指数"].notna(), "新增诉求"] >= minimum).all()
    notes = " ".join(c.value for c in at.caption)
    assert f"{int(sparse.sum())} 个区域新增诉求少于 {minimum} 件" in notes
    by_id = {layer["id"].split("@")[0]: layer for layer in _deck(at)["layers"]}
    named = [d["name"] for d in by_id["labels"]["data"] + by_id["labels-small"]["data"]]
    assert named and len(named) == len(set(named)) and set(named) <= set(frame["区域"])


def test_the_city_view_sums_streets_and_keeps_names_over_the_centers(app, demo_db):
    """City level: streets filled by their grids, no grid edges (a click opens the grids), only
    the upper centers, and the names drawn after (over) them; the view opens inside the city's
    box."""
    at = _open(app())
    assert not at.exception, at.exception
    deck = _deck(at)
    ids = [layer["id"].split("@")[0] for layer in deck["layers"]]  # without the view's key
    assert "area-status" in ids and "grid-edges" not in ids
    assert "grid-base" not in ids  # no blue carpet over the streets
    assert ids.index("centers") < ids.index("labels") and "street-labels" in ids
    by_id = {layer["id"].split("@")[0]: layer for layer in deck["layers"]}
    streets = by_id["area-status"]["data"]["features"]
    assert streets and all("红色网格" in f["properties"]["body"] for f in streets)
    assert len(by_id["labels"]["data"]) >= 3  # district names kept
    levels = {r["body"].split("\n")[0] for r in by_id["centers"]["data"]}
    assert levels <= {"市社会治理中心", "县区分中心"}
    conn = db.connect(demo_db)
    try:
        city = next(n for n in live.area_tree(conn).values() if n.level == "city")
    finally:
        conn.close()
    view = deck["initialViewState"]
    whole = LngLatBbox(city.bbox.west, city.bbox.south, city.bbox.east, city.bbox.north)
    assert whole.west <= view["longitude"] <= whole.east
    assert whole.south <= view["latitude"] <= whole.north
    assert view["zoom"] >= whole.zoom_to_fit(880, 600)


@pytest.fixture(scope="module")
def warned_db(scratch):
    """A small demo with a hand-made cluster and repeat address, scanned."""
    return warned_database(scratch)


def test_warnings_show_their_whole_path_and_a_small_map(warned_db, monkeypatch):
    url, ids = warned_db
    monkeypatch.setenv("DATABASE_URL", url)
    _clear()
    try:
        at = signed_in(AppTest.from_file(WARNINGS, default_timeout=180), url, "admin").run()
        assert not at.exception, at.exception
        places = list(at.dataframe[0].value["位置"])
        assert places and all(p.count(" › ") >= 2 for p in places)  # district › street › …
        deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)  # a map of points
        by_id = {layer["id"].split("@")[0]: layer for layer in deck["layers"]}
        assert {"warning-neighbours", "warning-area", "warning-labels", "warnings"} <= set(by_id)
        assert len(by_id["warnings"]["data"]) == 1
        assert by_id["warning-labels"]["data"]
        assert " › " in at.text[0].value.split("\n")[0]
    finally:
        _clear()
