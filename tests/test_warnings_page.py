"""The warnings in Streamlit's AppTest: the list page and its actions, the live map's layer."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import db
from geo.settings import get_settings
from tests.support import area_map, area_map_data, signed_in
from tests.warning_fixtures import ODD_ADDRESS, warned_database

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "dashboard" / "warnings.py")
LIVE = str(ROOT / "dashboard" / "live_map.py")


@pytest.fixture(scope="module")
def warned_db(scratch):
    """A small demo of its own with a hand-made cluster and repeat address, scanned."""
    return warned_database(scratch)


@pytest.fixture
def env(warned_db, monkeypatch):
    """Settings and caches pointed at the warned database."""
    url, ids = warned_db
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield url, ids
    get_settings.cache_clear()
    st.cache_resource.clear()


def _status(url: str, warning_id: int) -> tuple:
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT status, assigned_center FROM warnings WHERE id = %s", (warning_id,))
            return cur.fetchone()
    finally:
        conn.close()


def _page(url: str, username: str = "admin") -> AppTest:
    return signed_in(AppTest.from_file(PAGE, default_timeout=120), url, username)


def _listed_ids(at: AppTest) -> list[int]:
    return [int(i) for i in at.dataframe[0].value["编号"]]


def test_list_shows_the_warnings_with_their_reasons(env):
    """Title in Chinese; both warnings listed with reasons naming their figures."""
    url, ids = env
    at = _page(url).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "民情地图 · 预警单"
    listed = at.dataframe[0].value
    assert set(ids.values()) <= set(listed["编号"])
    reasons = dict(zip(listed["编号"], listed["预警原因"], strict=True))
    assert "8 件安全隐患" in reasons[ids["category_cluster"]]
    assert ODD_ADDRESS in reasons[ids["repeat_address"]]


def test_kind_filter_narrows_the_list(env):
    """Choosing one kind lists only warnings of that kind."""
    url, ids = env
    at = _page(url).run()
    at.multiselect(key="warn_kinds").select("repeat_address").run()
    assert ids["repeat_address"] in _listed_ids(at)
    assert ids["category_cluster"] not in _listed_ids(at)
    assert set(at.dataframe[0].value["类型"]) == {"同一地址重复报事"}


def test_acknowledge_assign_and_close_from_the_page(env):
    """The buttons the status allows work in turn; each leaves one event; closed ones leave
    the default list."""
    url, ids = env
    wid = ids["category_cluster"]
    at = _page(url).run()
    at.selectbox(key="warn_pick").set_value(wid).run()
    assert at.button(key=f"warn_acknowledge_{wid}").disabled is False
    at.button(key=f"warn_acknowledge_{wid}").click().run()
    assert not at.exception, at.exception
    assert _status(url, wid) == ("acknowledged", None)
    assert at.success[0].value == f"预警 #{wid} 已签收"
    assert at.button(key=f"warn_acknowledge_{wid}").disabled is True
    center = at.selectbox(key=f"warn_center_{wid}").options[0]
    at.button(key=f"warn_assign_{wid}").click().run()
    assigned = _status(url, wid)
    assert assigned[0] == "assigned" and assigned[1] is not None and assigned[1] in center
    at.text_input(key=f"warn_note_{wid}").input("已上门核查，隐患已整改").run()
    at.button(key=f"warn_close_{wid}").click().run()
    assert _status(url, wid)[0] == "closed"
    assert wid not in _listed_ids(at)


def test_close_without_a_note_is_refused_on_the_page(env):
    """Closing with an empty note shows the refusal and changes nothing."""
    url, ids = env
    wid = ids["repeat_address"]
    before = _status(url, wid)
    at = _page(url).run()
    at.selectbox(key="warn_pick").set_value(wid).run()
    at.button(key=f"warn_close_{wid}").click().run()
    assert not at.exception, at.exception
    assert at.error and at.error[0].value == "未执行: 请填写关闭说明"  # in the user's language
    assert _status(url, wid) == before


def test_english(env):
    """The page speaks English when switched."""
    url, _ = env
    at = _page(url)
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "Minqing Map · Early warnings"
    assert "Reason" in at.dataframe[0].value.columns


def _live(url: str) -> AppTest:
    return signed_in(AppTest.from_file(LIVE, default_timeout=120), url, "admin")


def _layers(at: AppTest) -> dict[str, dict]:
    deck = area_map(at)  # the live map: an area map
    return {layer["id"].split("@")[0]: layer for layer in deck["layers"]}  # without the view


def test_live_map_draws_the_warnings_layer_and_it_switches_off(env):
    """The layer is on by default with one marker per active warning, its tooltip the reason
    with the figures (the resident's address as a field, escaped by the tooltip); switched
    off, it is gone."""
    url, ids = env
    at = _live(url).run()
    assert not at.exception, at.exception
    layer = _layers(at)["warnings"]
    by_title = {r["title"]: r for r in layer["data"]}
    repeat = next(r for t, r in by_title.items() if f"#{ids['repeat_address']} " in t)
    assert ODD_ADDRESS in repeat["body"] and "同一地址30天内报事" in repeat["body"]
    tooltip = area_map_data(at)["tooltip"]
    assert tooltip["html"] == "<b>{title}</b><div>{body}</div>"  # fields: escaped by the map
    assert any("预警单" in html.value for html in at.get("html"))
    at.toggle(key="layer_warnings").set_value(False).run()
    assert "warnings" not in _layers(at)


def test_a_district_sees_only_its_own_warnings(env):
    """Row-level security: 七里河区's leader does not see 城关区's warnings; 城关区's does and
    may act on them."""
    url, ids = env
    outside = _page(url, "qilihe_leader").run()
    assert not outside.exception, outside.exception
    listed = set(_listed_ids(outside)) if outside.dataframe else set()
    assert not listed & set(ids.values())
    inside = _page(url, "chengguan_leader").run()
    assert ids["repeat_address"] in _listed_ids(inside)
    wid = ids["repeat_address"]
    inside.selectbox(key="warn_pick").set_value(wid).run()
    inside.button(key=f"warn_acknowledge_{wid}").click().run()
    assert not inside.exception, inside.exception
    assert _status(url, wid)[0] == "acknowledged"


def test_no_page_tells_its_user_to_run_a_command():
    """Interface text says what the user can do, never a command to run (issue 13): the
    warnings page before its first scan, the desk without centers, the maps without
    boundaries, a forecast not made yet."""
    tables = [importlib.import_module("dashboard.i18n").TEXT]
    for path in sorted((Path(__file__).parent.parent / "dashboard").glob("*_text.py")):
        tables.append(importlib.import_module(f"dashboard.{path.stem}").TABLE)
    said = [text for table in tables for entry in table.values() for text in entry.values()]
    assert len(tables) >= 8 and len(said) > 300
    assert [text for text in said if re.search(r"\bminqing [a-z]", text)] == []
