"""Each case action leaves one audit entry (who, which case, what, from where); a refused
action leaves none."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from geo import db
from geo.timeutil import CST
from geo.workflow.actions import apply_action
from geo.workflow.messages import WorkflowRefused
from tests.live_world import GRID_A, Incidents, build_world

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
WS = "ws-620102001001"


@pytest.fixture(scope="module")
def world_url(scratch) -> str:
    """A scratch database with the schema and the tiny two-district world."""
    url = scratch.create_migrated("minqing_audit_cases")
    conn = db.connect(url)
    build_world(conn)
    conn.close()
    return url


def _entries(conn, case: int) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT actor, detail->>'action', detail->>'center', client FROM audit_log"
            " WHERE action = 'case_action' AND target = %s ORDER BY id",
            (str(case),),
        )
        return cur.fetchall()


def test_case_actions_are_audited(world_url):
    conn = db.connect(world_url)
    try:
        case = Incidents(conn, NOW).add(GRID_A, 5, status="reported", deadline_days=7)
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE incidents SET assigned_center = %s, handling_level = 'workstation'"
                " WHERE id = %s",
                (WS, case),
            )
        conn.commit()
        later = NOW + timedelta(hours=1)
        apply_action(conn, case, "accept", "李四", WS, now=later, client="10.2.3.4")
        conn.commit()
        with pytest.raises(WorkflowRefused):
            apply_action(conn, case, "close", "李四", WS, now=later, client="10.2.3.4")
        conn.rollback()
        assert _entries(conn, case) == [("李四", "accept", WS, "10.2.3.4")]
    finally:
        conn.close()
