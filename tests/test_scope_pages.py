"""Pages in Streamlit's AppTest as a district leader: their own district by default, another
district's URL refused with a clear message (and audited), not shown empty."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import db
from geo.settings import get_settings
from tests.support import area_map, area_maps, signed_in

pytestmark = pytest.mark.db
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
DRILL = "dashboard/drilldown.py"
MINE, OTHER = "620103", "620102"  # qilihe_leader's district (demo accounts), and another
REFUSED = "该区域不在您的管辖范围内"


@pytest.fixture
def app(demo_db, monkeypatch):
    """A function opening the app against the seeded demo, signed in as a given user."""
    monkeypatch.setenv("DATABASE_URL", demo_db)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()

    def _open(username: str, area: str | None = None, page: str | None = None) -> AppTest:
        at = signed_in(AppTest.from_file(APP, default_timeout=120), demo_db, username)
        if area:
            at.query_params["area"] = area
        at = at.run()
        if page:
            at = at.switch_page(page).run()
        return at

    yield _open
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


def names(url: str) -> dict[str, str]:
    """Area names by code."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT code, name FROM current_areas WHERE level <> 'grid'")
            return dict(cur.fetchall())
    finally:
        conn.close()


def denials(url: str, username: str) -> list[str]:
    """The audit log's refusals of this user."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT target FROM audit_log WHERE actor = %s AND action = 'access_denied'",
                (username,),
            )
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def test_live_map_refuses_another_district_from_the_url(app, demo_db):
    """?area=<another district> on the live map: one clear message, no map, an audit entry."""
    at = app("qilihe_leader", area=OTHER)
    assert any(REFUSED in e.value for e in at.error)
    assert not area_maps(at)
    assert not at.exception
    assert f"area:{OTHER}" in denials(demo_db, "qilihe_leader")


def test_live_map_opens_the_users_own_district(app, demo_db):
    """Without ?area= a district leader sees their district; a street inside it opens too."""
    area_names = names(demo_db)
    at = app("qilihe_leader")
    assert not at.error and not at.exception
    assert any(b.label == area_names[MINE] for b in at.button)
    assert area_maps(at)
    conn = db.connect(demo_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT code FROM current_areas WHERE parent_code = %s LIMIT 1", (MINE,))
            street = cur.fetchone()[0]
    finally:
        conn.close()
    at = app("qilihe_leader", area=street)
    assert not at.error and any(b.label == area_names[street] for b in at.button)


def test_drilldown_refuses_another_district_from_the_url(app, demo_db):
    """?area=<another district> on the drill-down: refused, its name never shown."""
    area_names = names(demo_db)
    at = app("qilihe_leader", area=OTHER, page=DRILL)
    assert any(REFUSED in e.value for e in at.error)
    assert not any(area_names[OTHER] in t.value for t in at.title)
    assert not at.exception


def test_drilldown_opens_the_users_own_district(app, demo_db):
    """Without ?area= the drill-down starts at the leader's district, not the city."""
    area_names = names(demo_db)
    at = app("qilihe_leader", page=DRILL)
    assert not at.error and not at.exception
    assert at.title[0].value.startswith(area_names[MINE])


def test_city_staff_open_any_district(app, demo_db):
    """The same URL is fine for a city-wide account."""
    area_names = names(demo_db)
    at = app("admin", area=OTHER, page=DRILL)
    assert not at.error and not at.exception
    assert at.title[0].value.startswith(area_names[OTHER])


def test_cached_centers_never_cross_from_one_scope_to_another(app, demo_db):
    """A district leader's cached centers are not what city staff get next (same process)."""
    conn = db.connect(demo_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM centers WHERE level = 'sub_center'")
            sub_centers = {r[0] for r in cur.fetchall()}
    finally:
        conn.close()
    assert len(sub_centers) > 1
    leader = app("qilihe_leader")
    admin = app("admin")
    for at, expected in ((leader, 1), (admin, len(sub_centers))):
        deck = area_map(at)
        centers = next(layer for layer in deck["layers"] if layer["id"].startswith("centers@"))
        assert len({c["title"] for c in centers["data"]} & sub_centers) == expected
