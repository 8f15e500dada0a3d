"""Handing cases down, across and back under the pages' own login (issue 13): each operator
acts through its session only as its own center, sees the cases of its area and the ones its
center holds or just handed on, and works only the ones it holds."""

from __future__ import annotations

from datetime import datetime

import pytest

from geo import db
from geo.auth.sessions import create_session
from geo.settings import Settings
from geo.timeutil import CST
from geo.workflow.actions import apply_action
from geo.workflow.desk import QueueFilter, desk_actions, history, queue
from geo.workflow.messages import WorkflowRefused
from tests.live_world import GRID_A, GRID_C, Incidents, build_world_at
from tests.support import Account, world_with_accounts

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
CITY, POST, WS = "city-620100", "post-620102001", "ws-620102001001"
OTHER_WS = "ws-620103001001"
OPERATORS = {  # username: (area, center)
    "op_city": ("620100", CITY),
    "op_post": ("620102001", POST),
    "op_ws": ("620102001001", WS),
    "op_other_ws": ("620103001001", OTHER_WS),
}


@pytest.fixture(scope="module")
def world(scratch) -> str:
    """The tiny two-district world with an operator for four of its centers."""
    accounts = [
        Account(name, "operator", area, center) for name, (area, center) in OPERATORS.items()
    ]
    return world_with_accounts(scratch, "minqing_handoffs", build_world_at, accounts)


@pytest.fixture
def owner(world):
    conn = db.connect(world)
    Incidents(conn, NOW).clear()
    yield conn
    conn.rollback()
    conn.close()


@pytest.fixture
def tokens(owner) -> dict[str, str]:
    """A live session of each operator."""
    made = {name: create_session(owner, name, Settings()) for name in OPERATORS}
    owner.commit()
    return made


def act(app_pool, token: str, case: int, action: str, user: str, **args) -> None:
    """One action through an operator's session, as its own center."""
    with db.session_transaction(app_pool, token, use=True) as conn:
        apply_action(conn, case, action, user, OPERATORS[user][1], now=NOW, **args)


def seen(app_pool, token: str, case: int) -> tuple | None:
    """The case's status and holder as the session sees it (None: not at all)."""
    with db.session_transaction(app_pool, token) as conn, conn.cursor() as cur:
        cur.execute("SELECT status, assigned_center FROM incidents WHERE id = %s", (case,))
        return cur.fetchone()


def case_in(owner, grid: str, status: str, holder: str | None) -> int:
    case = Incidents(owner, NOW).add(grid, 2, status=status, deadline_days=5)
    with owner.cursor() as cur:
        cur.execute("UPDATE incidents SET assigned_center = %s WHERE id = %s", (holder, case))
    owner.commit()
    return case


def test_the_city_center_hands_down_a_case_it_accepted_and_gets_it_back(owner, app_pool, tokens):
    """Accepted by the city center (办理中), the case is offered 交办 and 转办; handed down to
    the street's post, which accepts it and sends it back with a reason."""
    case = case_in(owner, GRID_A, "reported", None)
    act(app_pool, tokens["op_city"], case, "accept", "op_city")
    with db.session_transaction(app_pool, tokens["op_city"]) as conn:
        offered = desk_actions(conn, case, CITY, NOW)
    assert "assign" in offered.allowed and "resolve" in offered.allowed
    assert [c.code for c in offered.allowed["assign"]] == [
        "sub-620102",
        POST,
        WS,
    ]  # down the case's own area, nearest first
    assert offered.refused["transfer"].key == "no_target"  # no other city center
    act(app_pool, tokens["op_city"], case, "assign", "op_city", target=POST, note="请街道办理")
    assert seen(app_pool, tokens["op_post"], case) == ("assigned", POST)
    act(app_pool, tokens["op_post"], case, "accept", "op_post")
    with pytest.raises(WorkflowRefused) as refused:
        act(app_pool, tokens["op_post"], case, "return", "op_post")
    assert refused.value.key == "note_required"
    act(app_pool, tokens["op_post"], case, "return", "op_post", note="涉及多个街道")
    assert seen(app_pool, tokens["op_city"], case) == ("assigned", CITY)
    assert seen(app_pool, tokens["op_post"], case) == ("assigned", CITY)  # its own area


def test_a_case_transferred_across_areas_and_sent_back(owner, app_pool, tokens):
    """青关 transfers a case of its community to 西园 (another district), whose operator sees it
    (queue, history with every center named) though it is not in its area; 西园 sends it back,
    still sees it (it just handed it on) but may no longer act on it."""
    case = case_in(owner, GRID_A, "in_progress", WS)
    elsewhere = case_in(owner, GRID_C, "assigned", OTHER_WS)
    assert seen(app_pool, tokens["op_ws"], elsewhere) is None
    assert seen(app_pool, tokens["op_other_ws"], case) is None
    with db.session_transaction(app_pool, tokens["op_ws"]) as conn:
        offered = desk_actions(conn, case, WS, NOW)
    assert [c.code for c in offered.allowed["transfer"]] == [OTHER_WS]
    act(app_pool, tokens["op_ws"], case, "transfer", "op_ws", target=OTHER_WS, note="属西园社区")
    assert seen(app_pool, tokens["op_other_ws"], case) == ("assigned", OTHER_WS)
    with db.session_transaction(app_pool, tokens["op_other_ws"]) as conn:
        page = queue(conn, OTHER_WS, QueueFilter(), NOW)
        steps = history(conn, case)
    assert [r.id for r in page.rows] == [case, elsewhere]
    assert [(e.action, e.center_name, e.acting_name) for e in steps][-1] == (
        "transferred",
        "西园社区工作站",
        "青关社区工作站",
    )
    act(app_pool, tokens["op_other_ws"], case, "accept", "op_other_ws")
    act(app_pool, tokens["op_other_ws"], case, "return", "op_other_ws", note="地址在青关社区")
    assert seen(app_pool, tokens["op_ws"], case) == ("assigned", WS)
    assert seen(app_pool, tokens["op_other_ws"], case) == ("assigned", WS)
    with pytest.raises(WorkflowRefused) as refused:
        act(app_pool, tokens["op_other_ws"], case, "accept", "op_other_ws")
    assert refused.value.key == "not_holder"
    with db.session_transaction(app_pool, tokens["op_other_ws"]) as conn, conn.cursor() as cur:
        cur.execute("UPDATE incidents SET status = 'resolved' WHERE id = %s", (case,))
        assert cur.rowcount == 0  # seen, not held: the database refuses to change it
    with owner.cursor() as cur:
        cur.execute(
            "SELECT action, acting_center, center_code FROM incident_events "
            "WHERE incident_id = %s ORDER BY at, id",
            (case,),
        )
        assert cur.fetchall()[-3:] == [
            ("transferred", WS, OTHER_WS), ("accepted", OTHER_WS, OTHER_WS),
            ("returned", OTHER_WS, WS),
        ]  # fmt: skip


def test_an_operator_acts_only_as_its_own_center(owner, app_pool, tokens):
    """Migration 060 still holds: 西园's operator cannot act as 青关, nor route 青关's case."""
    case = case_in(owner, GRID_A, "assigned", WS)
    with pytest.raises(WorkflowRefused) as refused:
        with db.session_transaction(app_pool, tokens["op_other_ws"]) as conn:
            apply_action(conn, case, "accept", "op_other_ws", WS, now=NOW)
    assert refused.value.key in ("not_own_center", "no_case")
    assert seen(app_pool, tokens["op_ws"], case) == ("assigned", WS)


def test_every_operator_reads_the_directory_of_centers_not_their_places(app_pool, tokens):
    """The directory names all seven centers; the centers table keeps its scope."""
    with db.session_transaction(app_pool, tokens["op_ws"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM center_directory")
        assert cur.fetchone() == (7,)
        cur.execute("SELECT code FROM centers ORDER BY code")
        assert [r[0] for r in cur.fetchall()] == ["city-620100", POST, "sub-620102", WS]
