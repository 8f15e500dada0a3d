"""The boundary page and the account menu in Streamlit's AppTest, as the GIS officer sees them:
a file lacking areas is refused on the page with their names until the deletion is confirmed;
the one-page account still has who is signed in and a sign-out."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.settings import get_settings
from tests.boundary_fixtures import geojson_bytes, grids_gdf, load_tree, table_checksums
from tests.support import add_account, signed_in

pytestmark = pytest.mark.db
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
GONE = "620102002001"  # the community whose grids the file lacks


@pytest.fixture(scope="module")
def gis_db(scratch) -> str:
    """A database of its own (the page publishes): the small tree, a GIS officer."""
    url = scratch.create_migrated("minqing_bnd_page")
    load_tree(url, incidents=120)
    add_account(url, "gis", "gis_staff", "620100")
    return url


@pytest.fixture
def gis_app(gis_db, monkeypatch):
    """The app against that database, signed in as the GIS officer."""
    monkeypatch.setenv("DATABASE_URL", gis_db)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield signed_in(AppTest.from_file(APP, default_timeout=120), gis_db, "gis")
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


def _publish_button(at: AppTest):
    return next(b for b in at.button if b.label == "发布为新版本")


def test_a_file_lacking_a_community_is_refused_on_the_page_until_confirmed(gis_app, gis_db):
    """The figures' warning says every grid of the community goes; publishing without the
    deletion confirmation is refused naming the grids; with it, the file is published."""
    gdf = grids_gdf()
    gone = gdf[gdf["所属社区编码"] == GONE]
    at = gis_app.run()
    assert not at.exception
    at.file_uploader(key="bnd_file").set_value(
        ("三个社区.geojson", geojson_bytes(gdf[gdf["所属社区编码"] != GONE]), "application/json")
    ).run()
    assert not at.exception
    notice = " ".join(w.value for w in at.warning)
    assert "发布将删除 4 个现有网格" in notice
    assert f"第2街道第1社区（{GONE}）：现有 4 个网格**全部删除**" in notice
    assert "没有任何网格" in notice
    removal = next(c for c in at.checkbox if c.key.startswith("bnd_confirm_removal_"))
    assert all(name in removal.label for name in gone["网格名称"])
    before = table_checksums(gis_db)
    at.checkbox(key="bnd_confirm").check()
    _publish_button(at).click().run()
    refused = " ".join(e.value for e in at.error)
    assert "未发布：发布将删除 4 个现有网格" in refused
    assert all(name in refused for name in gone["网格名称"])
    assert table_checksums(gis_db) == before
    at.checkbox(key=removal.key).check()
    at.checkbox(key="bnd_confirm").check()
    _publish_button(at).click().run()
    assert not at.exception
    assert any("已发布为版本 2" in s.value for s in at.success)
    with psycopg2.connect(gis_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM current_areas WHERE level = 'grid'")
        assert cur.fetchone()[0] == 12
        cur.execute(
            "SELECT detail->>'removed' FROM audit_log WHERE action = 'boundary_publish'"
            " AND actor = 'gis'"
        )
        assert cur.fetchall() == [("4",)]


def test_the_one_page_account_has_its_name_and_a_sign_out(gis_app):
    """No page menu for one page, but the account menu names the user and signs out."""
    at = gis_app.run()
    assert at.title[0].value == "网格边界管理"
    bar = at.get("popover")
    assert bar and "gis" in bar[0].proto.popover.label
    assert any("GIS 人员" in c.value for c in at.caption)
    at.button(key="account_sign_out").click().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
