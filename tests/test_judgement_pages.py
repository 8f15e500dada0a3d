"""The 研判 parts of the pages in Streamlit's AppTest, on a small demo of their own: the
drill-down's scorecard and forecast tabs, the live map's next-week layer, and the published
reports page, each under the viewer's scope."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo import db
from geo.assess.measure import measure
from geo.assess.rules import load_rules as load_scorecard_rules
from geo.assess.score import compute_scorecards
from geo.assess.store import store_scorecards
from geo.auth.demo import ensure_demo_users
from geo.demo.load import seed_demo
from geo.filters import parse_period
from geo.forecast.rules import DEFAULT_RULES, parse_rules
from geo.forecast.run import run_forecast
from geo.publish.periods import closed_periods
from geo.publish.store import Stored, insert_report
from geo.settings import get_settings
from geo.timeutil import CST, now_utc
from tests.support import area_map, pick_on_map, signed_in

pytestmark = pytest.mark.db
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
QUICK = parse_rules(
    DEFAULT_RULES.read_text(encoding="utf-8")
    .replace("num_boost_round = 150", "num_boost_round = 20")
    .replace("num_threads = 2", "num_threads = 1")
)


@pytest.fixture(scope="module")
def judged(scratch) -> dict:
    """A small demo with last month's scorecards stored, a forecast with one grid made to
    rise, and three published reports (the city's and two districts')."""
    url = scratch.create_migrated("minqing_judged")
    now = now_utc()
    month = closed_periods("month", now, 1, 1)[0]
    conn = db.connect(url)
    try:
        seed_demo(conn, incidents=6_000, seed=3, scale=0.02)
        ensure_demo_users(conn)
        conn.commit()
        rules = load_scorecard_rules()
        store_scorecards(conn, month, compute_scorecards(conn, month, now), rules, now)
        run = run_forecast(conn, now, QUICK)
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE forecasts SET mean = recent + 6, high = recent + 9 WHERE run_id = %s "
                "AND level = 'grid' AND category = '*' AND horizon = 1 AND area_code = (SELECT "
                "min(code) FROM current_areas WHERE level = 'grid' AND code LIKE '620102%%') "
                "RETURNING area_code",
                (run.run_id,),
            )
            rising = cur.fetchone()[0]
        for code, name, level in (("620100", "兰州市", "city"), ("620102", "城关区", "district"),
                                  ("620103", "七里河区", "district")):  # fmt: skip
            insert_report(conn, Stored(
                "month", month, code, name, level, code if level == "district" else None, 1,
                now, "system", "", {"safety_index": {"text": "x"}, "scorecard": {"version": "1"}},
                {"index": 80.5, "band": "良好", "new": 10}, b"xlsx", b"%PDF", 1.0,
            ))  # fmt: skip
        conn.commit()
    finally:
        conn.close()
    return {"url": url, "month": month.key, "rising": rising}


@pytest.fixture
def app(judged, monkeypatch):
    """A factory of the app signed in as a demo account of the small demo."""
    monkeypatch.setenv("DATABASE_URL", judged["url"])
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()

    def make(username: str) -> AppTest:
        return signed_in(AppTest.from_file(APP, default_timeout=180), judged["url"], username)

    yield make
    get_settings.cache_clear()
    st.cache_resource.clear()


def _open(at: AppTest, path: str, **query: str) -> AppTest:
    at = at.run().switch_page(path)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_published_reports_per_scope(app):
    """The city's leader lists all three reports; 城关区's leader its own only, with the
    downloads; a street's leader none, said plainly."""
    seen = {}
    for user in ("city_leader", "chengguan_leader", "street_leader"):
        at = _open(app(user), "dashboard/published_reports.py")
        assert not at.exception, at.exception
        frames = at.dataframe
        seen[user] = sorted(frames[0].value["区域"]) if frames else []
        if user == "chengguan_leader":
            assert len(at.get("download_button")) == 2
        if user == "street_leader":
            assert "暂无已发布的报表" in at.info[0].value
    assert seen["city_leader"] == ["七里河区", "兰州市", "城关区"]
    assert seen["chengguan_leader"] == ["城关区"]


def test_published_download_holds_the_stored_file(app, monkeypatch):
    """A published report's download is made as Streamlit makes it on a click (its callable,
    in another thread, after the run, no script context): the stored file, not empty."""
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[str(file_name).rsplit(".", 1)[-1]] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at = _open(app("chengguan_leader"), "dashboard/published_reports.py")
    assert not at.exception, at.exception
    files: dict[str, bytes] = {}
    worker = threading.Thread(target=lambda: files.update({k: f() for k, f in made.items()}))
    worker.start()
    worker.join()
    assert files == {"xlsx": b"xlsx", "pdf": b"%PDF"}


def test_drilldown_tabs(app, judged):
    """The district's stored scorecards (sub-center, posts, workstations) and the forecast
    chart against the actual weeks, in their own tabs."""
    at = _open(app("admin"), "dashboard/drilldown.py", area="620102", period=judged["month"])
    assert not at.exception, at.exception
    assert [tab.label for tab in at.tabs] == ["一体考评", "预判"]
    frames = [f.value for f in at.dataframe if "综合得分" in f.value.columns]
    assert frames and set(frames[0]["层级"]) == {"分中心"}
    assert any("已归档考评" in c.value for c in at.caption)
    at.radio(key="score-level-620102").set_value("workstation").run()
    frames = [f.value for f in at.dataframe if "综合得分" in f.value.columns]
    assert set(frames[0]["层级"]) == {"工作站"} and len(frames[0]) > 1
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert any('"forecast"' in spec and '"actual"' in spec for spec in specs)  # the chart


def test_scorecards_are_counted_once_for_the_areas_a_viewer_drills_into(app, monkeypatch):
    """The period's counts (one statement of seconds at a city's scale, whatever the area) are
    kept for the viewer's scope: a second district's scorecards do not count them again."""
    from dashboard import judgement
    from geo.assess import score

    calls = []

    def counting(*args, **kwargs):
        calls.append(args[1])
        return measure(*args, **kwargs)

    for module in (judgement, score):  # the page's own call, and the one an area makes alone
        monkeypatch.setattr(module, "measure", counting, raising=False)
    month = f"{now_utc().astimezone(CST):%Y-%m}"  # the running month: counted, not stored
    at = _open(app("city_leader"), "dashboard/drilldown.py", area="620102", period=month)
    for area in ("620102", "620103"):
        at.query_params["area"] = area
        at = at.run()
        assert not at.exception, at.exception
        frames = [f.value for f in at.dataframe if "综合得分" in f.value.columns]
        assert frames and len(frames[0]) > 0, area
        assert any("即时计算" in c.value for c in at.caption), area
    assert len(calls) == 1, calls


def test_a_run_stored_after_the_page_counted_shows_within_five_minutes(app, judged, monkeypatch):
    """A closed month not stored yet is counted, and its counts are kept for the hour; once
    its run is stored, the page shows the stored scorecards five minutes later, not an hour."""
    at_ten = now_utc().replace(minute=10, second=0, microsecond=0)  # +6 min: the same hour
    month = closed_periods("month", at_ten, 1, 2)[1]  # the month before the stored one
    clock = {"now": at_ten}
    monkeypatch.setattr("geo.timeutil.now_utc", lambda: clock["now"])
    at = _open(app("city_leader"), "dashboard/drilldown.py", area="620102", period=month.key)
    assert not at.exception, at.exception
    assert any("即时计算" in c.value for c in at.caption)
    conn = db.connect(judged["url"])
    try:
        cards = compute_scorecards(conn, month, at_ten)
        store_scorecards(conn, month, cards, load_scorecard_rules(), at_ten)
        conn.commit()
    finally:
        conn.close()
    clock["now"] = at_ten + timedelta(minutes=6)
    at = at.run()
    assert not at.exception, at.exception
    assert any("已归档考评" in c.value for c in at.caption)


def test_live_map_next_week_layer(app, judged):
    """Switching on 下周预判 draws the grids expected to rise, with their forecast in the
    tooltip; off by default."""
    at = _open(app("city_leader"), "dashboard/live_map.py")
    assert not at.exception, at.exception

    def layers() -> dict:
        deck = area_map(at)
        return {layer["id"].split("@")[0]: layer for layer in deck["layers"]}  # "<id>@<view>"

    assert "forecast-rising" not in layers()
    at.toggle(key="layer_forecast").set_value(True).run()
    rising = layers()["forecast-rising"]
    assert {r["code"] for r in rising["data"]} == {judged["rising"]}
    assert "预计增加 6.0" in rising["data"][0]["body"]
    assert "forecast-rising-edges" in layers()
    # a click on it (the layer over the grids) opens the grid's district, as a grid's would
    layer, first = rising["id"], rising["data"][0]
    at = pick_on_map(at, layer, first)
    assert at.query_params["area"] == judged["rising"][:6]


def test_month_scorecards_edge(judged):
    """A month with no case at all (before the demo's two years) has no score anywhere."""
    conn = db.connect(judged["url"])
    try:
        cards = compute_scorecards(conn, parse_period("2023-01"), now_utc() + timedelta(0))
    finally:
        conn.close()
    assert cards and all(c.score is None and c.unscored == "no_cases" for c in cards)
