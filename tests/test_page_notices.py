"""What every page says instead of a traceback when the database is down, and while an
interrupted seed's work is pending (issue 14, item 6), in Streamlit's AppTest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import db
from geo.auth.users import add_user
from geo.settings import get_settings
from tests.live_world import build_world
from tests.support import signed_in

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
PENDING = "数据尚未整理完毕"


@pytest.fixture(scope="module")
def world(scratch) -> str:
    url = scratch.create_migrated("minqing_notices")
    conn = db.connect(url)
    try:
        build_world(conn)
        add_user(conn, "leader", "区领导", "leader", "620102", "a good password 1", actor="test")
        conn.commit()
    finally:
        conn.close()
    return url


def _app(url: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(APP, default_timeout=120)


@pytest.fixture
def cleared():
    yield
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in (*at.error, *at.warning, *at.markdown, *at.text))


def test_a_database_that_is_down_gives_a_message_not_a_traceback(world, monkeypatch, cleared):
    down = "postgresql://minqing:x@127.0.0.1:1/minqing"  # nothing listens on port 1
    at = signed_in(_app(world, monkeypatch), world, "leader")
    at.run()
    assert not at.exception and "区领导" in " ".join(t.value for t in at.sidebar.text)
    at = _app(down, monkeypatch)
    at.session_state["auth_token"] = "a session of before"
    at.run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("无法读取数据库")
    assert "Traceback" not in _texts(at) and ".py" not in _texts(at)
    # an error no page foresaw: Streamlit itself shows no details either
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_every_page_says_so_while_deferred_work_is_pending(world, monkeypatch, cleared):
    conn = db.connect(world)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO deferred_statements (statement) VALUES ('SELECT 1')")
        conn.commit()
        for page in ("dashboard/live_map.py", "dashboard/warnings.py", "dashboard/drilldown.py"):
            at = signed_in(_app(world, monkeypatch), world, "leader").run()
            at.switch_page(page).run()
            assert not at.exception, page
            assert any(PENDING in w.value for w in at.warning), page
        with conn.cursor() as cur:
            cur.execute("DELETE FROM deferred_statements")
        conn.commit()
    finally:
        conn.close()
    at = signed_in(_app(world, monkeypatch), world, "leader").run()
    at.switch_page("dashboard/warnings.py").run()
    assert not any(PENDING in w.value for w in at.warning)
