"""What every page says instead of a traceback when the database is down, and while an
interrupted seed's work is pending (issue 14, item 6), in Streamlit's AppTest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import db
from tests.live_world import build_world_at
from tests.support import Account, signed_in, world_with_accounts

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
PENDING = "数据尚未整理完毕"


@pytest.fixture(scope="module")
def world(scratch) -> str:
    leader = Account("leader", "leader", "620102", name="区领导")
    return world_with_accounts(scratch, "minqing_notices", build_world_at, [leader])


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in (*at.error, *at.warning, *at.markdown, *at.text))


def test_a_database_that_is_down_gives_a_message_not_a_traceback(world, open_app):
    down = "postgresql://minqing:x@127.0.0.1:1/minqing"  # nothing listens on port 1
    at = signed_in(open_app(world), world, "leader")
    at.run()
    assert not at.exception and "区领导" in " ".join(t.value for t in at.sidebar.text)
    at = open_app(down)
    at.session_state["auth_token"] = "a session of before"
    at.run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("无法读取数据库")
    assert "Traceback" not in _texts(at) and ".py" not in _texts(at)
    # an error no page foresaw: Streamlit itself shows no details either
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_every_page_says_so_while_deferred_work_is_pending(world, open_app):
    conn = db.connect(world)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO deferred_statements (statement) VALUES ('SELECT 1')")
        conn.commit()
        for page in ("dashboard/live_map.py", "dashboard/warnings.py", "dashboard/drilldown.py"):
            at = signed_in(open_app(world), world, "leader").run()
            at.switch_page(page).run()
            assert not at.exception, page
            assert any(PENDING in w.value for w in at.warning), page
        with conn.cursor() as cur:
            cur.execute("DELETE FROM deferred_statements")
        conn.commit()
    finally:
        conn.close()
    at = signed_in(open_app(world), world, "leader").run()
    at.switch_page("dashboard/warnings.py").run()
    assert not any(PENDING in w.value for w in at.warning)
