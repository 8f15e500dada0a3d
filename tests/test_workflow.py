"""The case workflow against PostGIS: every allowed and refused transition, the row lock,
the rollups kept in step, deadlines across CST midnight and month ends, the queue, the tick."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import psycopg2
import pytest

from geo import db
from geo.filters import Scope
from geo.timeutil import CST
from geo.workflow.actions import apply_action
from geo.workflow.desk import QueueFilter, countdown, like_pattern, queue
from geo.workflow.messages import WorkflowRefused
from geo.workflow.tick import EscalationRule, tick
from geo.workflow.transitions import TRANSITIONS
from tests.live_world import GRID_A, Incidents, build_world

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
STATUSES = ("reported", "assigned", "in_progress", "resolved", "closed")
CITY, SUB, POST, WS = "city-620100", "sub-620102", "post-620102001", "ws-620102001001"
OTHER_SUB, OTHER_POST, OTHER_WS = "sub-620103", "post-620103001", "ws-620103001001"
LEVELS = {CITY: "city_center", SUB: "sub_center", POST: "command_post", WS: "workstation"}


@pytest.fixture(scope="module")
def world_url(scratch) -> str:
    """A scratch database with the schema and the tiny two-district world."""
    url = scratch.create_migrated("minqing_workflow")
    conn = db.connect(url)
    build_world(conn)
    conn.close()
    return url


@pytest.fixture
def conn(world_url):
    """A connection to the world, with no incidents at the start of the test."""
    connection = db.connect(world_url)
    Incidents(connection, NOW).clear()
    yield connection
    connection.rollback()
    connection.close()


def make_case(
    conn,
    status: str,
    holder: str | None = WS,
    deadline_hours: float = 48,
    major: bool = False,
    description: str = "路灯不亮",
) -> int:
    """A case in `status` held by `holder`, reported 5 days ago, due `deadline_hours` after NOW."""
    case = Incidents(conn, NOW).add(
        GRID_A, 5, status=status, major=major, deadline_days=5 + deadline_hours / 24,
        description=description,
    )  # fmt: skip
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET assigned_center = %s, handling_level = %s WHERE id = %s",
            (holder, LEVELS.get(holder) if holder else None, case),
        )
    conn.commit()
    return case


def row(conn, case: int) -> tuple:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT status, assigned_center, handling_level, escalations, resolved_at, "
            "closed_at, result FROM incidents WHERE id = %s",
            (case,),
        )
        return cur.fetchone()


def events(conn, case: int) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT action, from_status, to_status, actor, center_code, acting_center, note, "
            "detail, satisfaction FROM incident_events WHERE incident_id = %s ORDER BY at, id",
            (case,),
        )
        return cur.fetchall()


# What each allowed action needs: the acting center (holder WS unless said), its arguments,
# and the row it must leave: (status, center, level, escalations, resolved?, closed?, result).
ALLOWED = {
    "assign": (POST, {"target": WS}, ("assigned", WS, "workstation", 0, False, False, None)),
    "transfer": (
        WS, {"target": OTHER_WS, "note": "属西园社区"},
        ("assigned", OTHER_WS, "workstation", 0, False, False, None),
    ),
    "return": (
        WS, {"note": "不属于本社区"}, ("assigned", POST, "command_post", 0, False, False, None)
    ),
    "escalate": (WS, {}, ("assigned", POST, "command_post", 1, False, False, None)),
    "accept": (WS, {}, (None, WS, "workstation", 0, False, False, None)),
    "resolve": (
        WS, {"result": "withdrawn", "note": "居民撤回"},
        ("resolved", WS, "workstation", 0, True, False, "withdrawn"),
    ),
    "close": (
        SUB, {"note": "回访满意", "satisfaction": "satisfied"},
        ("closed", WS, "workstation", 0, True, True, "resolved"),
    ),
    "reopen": (
        WS, {"note": "回访不满意"}, ("in_progress", WS, "workstation", 0, False, False, None)
    ),
    "supervise": (CITY, {"note": "限期办结"}, None),
    "urge": (SUB, {"note": "请尽快办理"}, None),
}  # fmt: skip


def _allowed_cases() -> list[tuple[str, str]]:
    return [(a, s) for a, t in TRANSITIONS.items() for s in t.from_statuses]


def _refused_cases() -> list[tuple[str, str]]:
    return [(a, s) for a, t in TRANSITIONS.items() for s in STATUSES if s not in t.from_statuses]


@pytest.mark.parametrize(("action", "status"), _allowed_cases())
def test_allowed_transition(conn, action, status):
    """Each allowed (action, status): the row moves as the table says, with exactly one event."""
    acting, args, expected = ALLOWED[action]
    holder = POST if action == "assign" else WS
    case = make_case(conn, status, holder, deadline_hours=-30 if action == "supervise" else 48)
    before, n_before = row(conn, case), len(events(conn, case))
    result = apply_action(conn, case, action, "张三", acting, now=NOW + timedelta(hours=1), **args)
    conn.commit()
    after = row(conn, case)
    new_events = events(conn, case)[n_before:]
    assert len(new_events) == 1
    event = new_events[0]
    transition = TRANSITIONS[action]
    assert event[0] == transition.event
    assert event[1] == status
    assert event[2] == (transition.to_status or status)
    assert event[3] == "张三" and event[5] == acting
    assert event[6] == args.get("note", "")
    assert event[8] == args.get("satisfaction")  # the follow-up answer, on closing only
    if expected is None:
        assert after == before  # supervise and urge leave the case as it is
        return
    want_status, center, level, escalations, resolved, closed, result_code = expected
    assert after[0] == (want_status or "in_progress")
    assert after[1:4] == (center, level, escalations)
    assert (after[4] is not None, after[5] is not None) == (resolved, closed)
    if action != "close":
        assert after[6] == result_code
    assert result.status == after[0] and result.center == center == event[4]


@pytest.mark.parametrize(("action", "status"), _refused_cases())
def test_refused_by_status(conn, action, status):
    """An action not allowed from the case's status is refused with the reason; nothing moves."""
    acting, args, _ = ALLOWED[action]
    case = make_case(conn, status, POST if action == "assign" else WS, deadline_hours=-30)
    before, n_before = row(conn, case), len(events(conn, case))
    with pytest.raises(WorkflowRefused) as refused:
        apply_action(conn, case, action, "张三", acting, now=NOW, **args)
    conn.rollback()
    assert refused.value.key == "bad_status"
    assert "不能" in refused.value.text("zh") and "cannot" in refused.value.text("en")
    assert row(conn, case) == before and len(events(conn, case)) == n_before


@pytest.mark.parametrize(
    ("action", "status", "acting", "args", "key"),
    [
        ("accept", "assigned", POST, {}, "not_holder"),  # above the holder: not the holder
        ("accept", "assigned", OTHER_WS, {}, "not_holder"),  # another community
        ("resolve", "in_progress", CITY, {"result": "resolved"}, "not_holder"),
        ("escalate", "assigned", SUB, {}, "not_holder"),
        ("close", "resolved", OTHER_SUB, {}, "not_holder"),  # another district's sub-center
        ("supervise", "assigned", WS, {"note": "x"}, "not_above"),  # the holder itself
        ("urge", "assigned", OTHER_POST, {}, "not_above"),
        ("supervise", "in_progress", CITY, {"note": "x"}, "not_overdue"),
        ("resolve", "in_progress", WS, {"result": "fine"}, "bad_result"),
        ("resolve", "in_progress", WS, {}, "bad_result"),
        ("close", "resolved", WS, {}, "bad_satisfaction"),  # the resident's answer is required
        ("close", "resolved", WS, {"satisfaction": "happy"}, "bad_satisfaction"),
        ("accept", "assigned", WS, {"satisfaction": "satisfied"}, "bad_satisfaction"),
        ("transfer", "assigned", WS, {"note": "x"}, "target_required"),
        ("transfer", "assigned", WS, {"target": POST, "note": "x"}, "target_not_same_level"),
        ("transfer", "assigned", WS, {"target": WS, "note": "x"}, "target_not_same_level"),
        ("transfer", "in_progress", WS, {"target": OTHER_WS}, "note_required"),  # the reason
        ("transfer", "in_progress", WS, {"target": OTHER_WS, "note": "  "}, "note_required"),
        ("return", "assigned", WS, {}, "note_required"),
        ("accept", "assigned", "no-such-center", {}, "unknown_center"),
    ],
)
def test_refused_by_center_or_arguments(conn, action, status, acting, args, key):
    """Who may act, overdue-only supervision, results and targets: refused with the reason."""
    case = make_case(conn, status, WS, deadline_hours=48)
    before, n_before = row(conn, case), len(events(conn, case))
    with pytest.raises(WorkflowRefused) as refused:
        apply_action(conn, case, action, "张三", acting, now=NOW, **args)
    conn.rollback()
    assert refused.value.key == key
    assert row(conn, case) == before and len(events(conn, case)) == n_before


def test_assign_only_down_the_case_chain(conn):
    """The city center assigns to any lower center of the case's own area, none elsewhere."""
    case = make_case(conn, "reported", None)
    with pytest.raises(WorkflowRefused) as refused:
        apply_action(conn, case, "assign", "市中心", CITY, target=OTHER_POST, now=NOW)
    assert refused.value.key == "target_not_lower"
    conn.rollback()
    with pytest.raises(WorkflowRefused) as refused:
        apply_action(conn, case, "assign", "市中心", CITY, now=NOW)
    assert refused.value.key == "target_required"
    conn.rollback()
    apply_action(conn, case, "assign", "市中心", CITY, target=POST, now=NOW)
    conn.commit()
    assert row(conn, case)[:3] == ("assigned", POST, "command_post")
    with pytest.raises(WorkflowRefused) as refused:  # a command post cannot assign upwards
        apply_action(conn, case, "assign", "所长", POST, target=SUB, now=NOW)
    assert refused.value.key == "target_not_lower"
    conn.rollback()


def test_assign_only_below_the_holder(conn):
    """A case transferred to another district's sub-center: that center cannot hand it down to
    the case's own community (not below it), only back or across."""
    case = make_case(conn, "in_progress", SUB)
    apply_action(conn, case, "transfer", "区分中心", SUB, target=OTHER_SUB, note="跨区", now=NOW)
    conn.commit()
    with pytest.raises(WorkflowRefused) as refused:
        apply_action(conn, case, "assign", "七里河", OTHER_SUB, target=WS, note="x", now=NOW)
    assert refused.value.key == "target_not_lower"
    conn.rollback()
    apply_action(conn, case, "return", "七里河", OTHER_SUB, note="不属本区", now=NOW)
    conn.commit()
    assert row(conn, case)[:2] == ("assigned", SUB)


def test_the_city_center_routes_a_case_it_accepted(conn):
    """The city center accepted a case: it may still hand it down its own area or send it on
    with a reason; the case waits for its new holder to accept; the lower center sends it back,
    and the center that handed it on follows it (previous_center)."""
    case = make_case(conn, "reported", None)
    apply_action(conn, case, "accept", "市中心", CITY, now=NOW)
    conn.commit()
    assert row(conn, case)[:2] == ("in_progress", CITY)
    apply_action(conn, case, "assign", "市中心", CITY, target=POST, note="请街道办理", now=NOW)
    conn.commit()
    assert row(conn, case)[:3] == ("assigned", POST, "command_post")
    apply_action(conn, case, "accept", "所长", POST, now=NOW)
    apply_action(conn, case, "return", "所长", POST, note="涉及多个街道", now=NOW)
    conn.commit()
    assert row(conn, case)[:2] == ("assigned", CITY)
    with conn.cursor() as cur:
        cur.execute("SELECT previous_center FROM incidents WHERE id = %s", (case,))
        assert cur.fetchone() == (POST,)
    assert [e[0] for e in events(conn, case)][-4:] == [
        "accepted",
        "assigned",
        "accepted",
        "returned",
    ]


def test_unrouted_case_is_held_by_the_city_center(conn):
    """A reported case with no center is the city center's: it accepts, a workstation cannot."""
    case = make_case(conn, "reported", None)
    with pytest.raises(WorkflowRefused):
        apply_action(conn, case, "accept", "x", WS, now=NOW)
    conn.rollback()
    apply_action(conn, case, "accept", "市中心", CITY, now=NOW)
    conn.commit()
    assert row(conn, case)[:3] == ("in_progress", CITY, "city_center")


def test_escalation_climbs_to_the_city_center_and_stops(conn):
    """Escalate from a workstation three times: post, sub-center, city; then no level above."""
    case = make_case(conn, "in_progress", WS)
    for holder, up in ((WS, POST), (POST, SUB), (SUB, CITY)):
        apply_action(conn, case, "escalate", "x", holder, now=NOW)
        conn.commit()
        assert row(conn, case)[1] == up
    assert row(conn, case)[3] == 3
    with pytest.raises(WorkflowRefused) as refused:
        apply_action(conn, case, "escalate", "x", CITY, now=NOW)
    assert refused.value.key == "no_level_above"
    assert "最高一级" in refused.value.text("zh")
    conn.rollback()


def test_return_goes_back_to_the_assigning_center(conn):
    """Assigned by the sub-center straight to the workstation: the return goes to the sub-center."""
    case = make_case(conn, "reported", SUB)
    apply_action(conn, case, "assign", "区分中心", SUB, target=WS, now=NOW)
    apply_action(conn, case, "return", "站长", WS, note="不属于本社区", now=NOW)
    conn.commit()
    assert row(conn, case)[:2] == ("assigned", SUB)
    last = events(conn, case)[-1]
    assert last[0] == "returned" and last[4] == SUB and last[6] == "不属于本社区"
    assert last[7] == {"from_center": WS, "to_center": SUB}


def test_a_full_loop_and_reopen_keep_the_rollups_in_step(conn):
    """reported → … → closed → reopened → resolved: each step one event, rollups = incidents."""
    case = make_case(conn, "reported", None)
    steps = [
        ("assign", CITY, {"target": WS}), ("accept", WS, {}), ("escalate", WS, {}),
        ("assign", POST, {"target": WS}), ("accept", WS, {}),
        ("resolve", WS, {"result": "resolved"}),
        ("close", WS, {"note": "满意", "satisfaction": "satisfied"}),
        ("reopen", CITY, {"note": "回访不满意"}), ("resolve", WS, {"result": "unresolved"}),
    ]  # fmt: skip
    for k, (action, center, args) in enumerate(steps):
        apply_action(conn, case, action, "x", center, now=NOW + timedelta(hours=k), **args)
        conn.commit()
    assert [e[0] for e in events(conn, case)] == [
        "assigned", "accepted", "escalated", "assigned", "accepted", "resolved", "closed",
        "reopened", "resolved",
    ]  # fmt: skip
    status, _, _, escalations, resolved_at, closed_at, result = row(conn, case)
    assert (status, escalations, closed_at, result) == ("resolved", 1, None, "unresolved")
    assert resolved_at == NOW + timedelta(hours=8)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT sum(new), sum(escalated_new), sum(concluded), sum(resolved), sum(hours) "
            "FROM incident_daily_flows WHERE code = '*'"
        )
        flows = cur.fetchone()
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE escalations > 0), "
            "count(resolved_at), count(*) FILTER (WHERE result = 'resolved'), "
            "sum(extract(epoch FROM resolved_at - reported_at) / 3600) FROM incidents"
        )
        counted = cur.fetchone()
        cur.execute("SELECT sum(opened) - sum(closed) FROM incident_daily_stocks WHERE code = '*'")
        open_now = cur.fetchone()[0]
    assert flows[:4] == counted[:4] == (1, 1, 1, 0)
    assert flows[4] == pytest.approx(float(counted[4]))
    assert open_now == 0


def test_concurrent_actions_on_one_case_are_served_one_after_the_other(conn, world_url):
    """Two operators accept the same case at once: the row lock lets one win, the other is
    refused with the case's new status, and there is one 'accepted' event."""
    case = make_case(conn, "assigned", WS)
    first, second = db.connect(world_url), db.connect(world_url)
    outcome: dict[str, object] = {}
    try:
        apply_action(first, case, "accept", "甲", WS, now=NOW)  # holds the lock, not committed

        def other() -> None:
            try:
                apply_action(second, case, "accept", "乙", WS, now=NOW)
                second.commit()
                outcome["second"] = "applied"
            except WorkflowRefused as exc:
                second.rollback()
                outcome["second"] = exc.key

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=1.5)
        assert thread.is_alive(), "the second action did not wait for the row lock"
        first.commit()
        thread.join(timeout=30)
        assert outcome["second"] == "bad_status"
    finally:
        first.close()
        second.close()
    assert [e[:4] for e in events(conn, case)] == [("accepted", "assigned", "in_progress", "甲")]


@pytest.mark.parametrize(
    "deadline_cst",
    [
        datetime(2026, 11, 20, 23, 59, 59, tzinfo=CST),  # midnight
        datetime(2026, 11, 30, 23, 59, 59, tzinfo=CST),  # end of a 30-day month
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=CST),  # end of the year
        datetime(2027, 2, 28, 23, 59, 59, tzinfo=CST),  # end of February
    ],
)
def test_deadline_across_cst_midnight_and_month_end(conn, deadline_cst):
    """One second before a deadline at the end of a CST day the case is due, not overdue;
    a minute after the CST midnight (16:00 UTC) it is overdue: countdown, queue, supervision."""
    case = make_case(conn, "in_progress", WS)
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET reported_at = %s, deadline_at = %s WHERE id = %s",
            (deadline_cst - timedelta(days=3), deadline_cst, case),
        )
    conn.commit()
    before = deadline_cst - timedelta(seconds=59)
    after = deadline_cst + timedelta(seconds=61)
    assert after.astimezone(CST).day == 1 or after.astimezone(CST).hour == 0
    left = countdown(deadline_cst, before)
    past = countdown(deadline_cst, after)
    assert (left.overdue, left.days, left.hours, left.minutes) == (False, 0, 0, 0)
    assert (past.overdue, past.days, past.hours, past.minutes) == (True, 0, 0, 1)
    assert queue(conn, WS, QueueFilter(overdue_only=True), before).total == 0
    assert queue(conn, WS, QueueFilter(overdue_only=True), after).total == 1
    with pytest.raises(WorkflowRefused):
        apply_action(conn, case, "supervise", "市中心", CITY, note="督办", now=before)
    conn.rollback()
    apply_action(conn, case, "supervise", "市中心", CITY, note="督办", now=after)
    conn.commit()
    assert events(conn, case)[-1][0] == "supervised"


def test_countdown_in_days_hours_minutes():
    """Whole days, hours and minutes either side of the deadline."""
    deadline = datetime(2026, 3, 1, 0, 0, tzinfo=CST)
    assert countdown(deadline, deadline - timedelta(days=2, hours=3, minutes=4, seconds=5)) == (
        countdown(deadline, deadline - timedelta(days=2, hours=3, minutes=4))
    )
    c = countdown(deadline, deadline - timedelta(days=2, hours=3, minutes=4))
    assert (c.overdue, c.days, c.hours, c.minutes) == (False, 2, 3, 4)
    c = countdown(deadline, deadline + timedelta(days=1, minutes=30))
    assert (c.overdue, c.days, c.hours, c.minutes) == (True, 1, 0, 30)


def test_queue_sorted_filtered_paged_and_escaped(conn):
    """Overdue first, then major risks, then the nearest deadline; filters; pages; wildcards."""
    due_late = make_case(conn, "assigned", WS, deadline_hours=100)
    due_soon = make_case(conn, "in_progress", WS, deadline_hours=2, description="噪声 100% 扰民")
    major = make_case(conn, "assigned", WS, deadline_hours=50, major=True)
    overdue = make_case(conn, "assigned", WS, deadline_hours=-5)
    overdue_major = make_case(conn, "assigned", WS, deadline_hours=-1, major=True)
    make_case(conn, "assigned", POST)  # another center's
    make_case(conn, "resolved", WS)  # not open
    page = queue(conn, WS, QueueFilter(), NOW)
    assert [r.id for r in page.rows] == [overdue_major, overdue, major, due_soon, due_late]
    assert (page.total, page.overdue, page.major) == (5, 2, 2)
    second = queue(conn, WS, QueueFilter(), NOW, limit=2, offset=2)
    assert [r.id for r in second.rows] == [major, due_soon] and second.total == 5
    assert [r.id for r in queue(conn, WS, QueueFilter(statuses=("in_progress",)), NOW).rows] == [
        due_soon
    ]
    assert queue(conn, WS, QueueFilter(overdue_only=True), NOW).total == 2
    assert queue(conn, WS, QueueFilter(category="dispute"), NOW).total == 0
    assert [r.id for r in queue(conn, WS, QueueFilter(text="100%"), NOW).rows] == [due_soon]
    assert queue(conn, WS, QueueFilter(text="%"), NOW).total == 1  # a literal percent sign
    assert queue(conn, WS, QueueFilter(text="_"), NOW).total == 0
    assert like_pattern("a_b%c\\") == "%a\\_b\\%c\\\\%"
    assert like_pattern("  ") is None


def test_city_queue_holds_unrouted_cases(conn):
    """The city center's queue has its own cases and the ones not yet routed."""
    unrouted = make_case(conn, "reported", None)
    own = make_case(conn, "assigned", CITY)
    make_case(conn, "assigned", SUB)
    assert {r.id for r in queue(conn, CITY, QueueFilter(), NOW).rows} == {unrouted, own}
    assert queue(conn, SUB, QueueFilter(), NOW).total == 1


def test_tick_escalates_overdue_cases_once_per_window(conn):
    """Overdue by N hours → the level above, by 'system'; not again within N hours; logged."""
    late = make_case(conn, "in_progress", WS, deadline_hours=-30)
    recent = make_case(conn, "assigned", WS, deadline_hours=-2)  # overdue, not by 24 h yet
    on_time = make_case(conn, "assigned", WS, deadline_hours=10)
    at_top = make_case(conn, "assigned", CITY, deadline_hours=-100)
    rule = EscalationRule(True, 24, 100)
    assert tick(conn, rule, NOW).escalated == 1
    assert row(conn, late)[1:4] == (POST, "command_post", 1)
    last = events(conn, late)[-1]
    assert last[0] == "escalated" and last[3] == "system" and last[5] == WS
    assert last[7]["rule"] == "overdue_hours" and last[7]["after_hours"] == 24
    assert tick(conn, rule, NOW + timedelta(hours=23)).escalated == 1  # `recent` now, not `late`
    assert row(conn, late)[1] == POST and row(conn, recent)[1] == POST
    assert tick(conn, rule, NOW + timedelta(hours=25)).escalated == 1  # `late` again
    assert row(conn, late)[1:4] == (SUB, "sub_center", 2)
    assert row(conn, on_time)[1] == WS and row(conn, at_top)[1] == CITY
    assert tick(conn, EscalationRule(False, 24, 100), NOW + timedelta(days=9)).escalated == 0
    with conn.cursor() as cur:
        cur.execute("SELECT escalate_after_h, escalated FROM workflow_ticks ORDER BY id DESC")
        log = cur.fetchall()
    assert log[:4] == [(None, 0), (24.0, 1), (24.0, 1), (24.0, 1)]


def test_refusal_message_in_both_languages():
    """The error's text names the reason in Chinese and in English."""
    error = WorkflowRefused("bad_status", status="closed", action="resolve")
    assert error.text("zh") == "案件当前状态为「已反馈归档」，不能办结"
    assert error.text("en") == "the case is closed: it cannot be resolved"
    assert str(error) == f"{error.text('zh')} / {error.text('en')}"


def test_database_rejects_an_unknown_event_action(conn):
    """The events' action column only takes the actions table's names."""
    case = make_case(conn, "assigned", WS)
    with pytest.raises(psycopg2.errors.CheckViolation), conn.cursor() as cur:
        cur.execute(
            "INSERT INTO incident_events (incident_id, at, action, to_status, actor) "
            "VALUES (%s, now(), 'teleported', 'assigned', 'x')",
            (case,),
        )
    conn.rollback()


def test_demo_stream_runs_the_tick(conn, monkeypatch):
    """`minqing demo stream` runs the workflow tick as it goes (logged in workflow_ticks)."""
    from geo.demo import stream

    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM workflow_ticks")
        before = cur.fetchone()[0]
    monkeypatch.setattr(stream, "WORKFLOW_EVERY", 0.0)
    stream.run_stream(conn, rate=2, seed=5, seconds=1.2, every=0.4)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM workflow_ticks")
        assert cur.fetchone()[0] - before >= 2


@pytest.mark.parametrize(
    ("category", "severity", "reported_cst", "due_cst"),
    [
        # 3 calendar days from 25 Feb 2027 22:30: due at 24:00 on 28 Feb (no 29th that year)
        ("safety_hazard", 1, datetime(2027, 2, 25, 22, 30), datetime(2027, 3, 1, 0, 0)),
        # urgent public order case: 6 hours across the new year's midnight
        ("public_order", 3, datetime(2026, 12, 31, 20, 0), datetime(2027, 1, 1, 2, 0)),
        # 5 days from 26 Nov 2026 23:59 CST (15:59 UTC, still 26 Nov in UTC): 1 Dec 24:00
        ("livelihood", 2, datetime(2026, 11, 26, 23, 59), datetime(2026, 12, 2, 0, 0)),
    ],
)
def test_deadline_rule_then_desk_and_tick(conn, category, severity, reported_cst, due_cst):
    """The intake's deadline rule (geo.deadlines) across midnight and month ends, then the
    desk's countdown and overdue flag and the escalation tick on that deadline."""
    from geo.deadlines import deadline_for

    reported = reported_cst.replace(tzinfo=CST)
    due = deadline_for(category, severity, reported)
    assert due == due_cst.replace(tzinfo=CST)
    case = make_case(conn, "assigned", WS)
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET category = %s, severity = %s, reported_at = %s, "
            "deadline_at = %s WHERE id = %s",
            (category, severity, reported, due, case),
        )
    conn.commit()
    just_before, just_after = due - timedelta(minutes=1), due + timedelta(minutes=1)
    assert countdown(due, just_before) == countdown(due, just_before - timedelta(seconds=30))
    assert (countdown(due, just_before).overdue, countdown(due, just_before).minutes) == (False, 1)
    assert (countdown(due, just_after).overdue, countdown(due, just_after).minutes) == (True, 1)
    assert queue(conn, WS, QueueFilter(overdue_only=True), just_before).total == 0
    assert queue(conn, WS, QueueFilter(overdue_only=True), just_after).total == 1
    rule = EscalationRule(True, 24, 10)
    assert tick(conn, rule, due + timedelta(hours=23, minutes=59)).escalated == 0
    assert tick(conn, rule, due + timedelta(hours=24)).escalated == 1
    assert row(conn, case)[1] == POST


def test_tick_command_escalates_and_scans_for_warnings(conn, world_url, tmp_path):
    """`minqing workflow tick`: the rule from its option, the warnings scan after it; a
    malformed rules file is one clear line and exit status 1."""
    from click.testing import CliRunner

    from geo.cli import main
    from geo.settings import get_settings

    late = make_case(conn, "in_progress", WS, deadline_hours=-100)  # overdue in real time too
    get_settings.cache_clear()
    env = {"DATABASE_URL": world_url}
    result = CliRunner().invoke(
        main, ["workflow", "tick", "--escalate-after-hours", "1", "--no-publish"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "escalated 1 case(s) overdue by 1 h or more" in result.output
    assert "total" in result.output  # the warnings scan's summary
    assert row(conn, late)[1] == POST
    bad = tmp_path / "rules.toml"
    bad.write_text("[escalation]\nenabled = true\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["workflow", "tick", "--rules", str(bad)], env=env)
    assert result.exit_code == 1
    assert result.output.strip().startswith("minqing: rules.toml: the escalation rule is malformed")
    assert "Traceback" not in result.output
    get_settings.cache_clear()


FIGURES = ("new", "open", "overdue", "concluded", "resolved", "concluded_late", "escalated")


@pytest.mark.parametrize(
    "scope", [Scope(), Scope("district", "620102"), Scope("street", "620102001")]
)
def test_feedback_figures_follow_the_actions(conn, scope):
    """Handling time, resolved rate, overdue and escalations on the other pages come from what
    the actions wrote: counted from incidents and read from the rollups, the same figures."""
    from geo.drill import rollup
    from geo.drill.queries import area_counts
    from geo.filters import IncidentFilter, parse_period
    from geo.queries.kpis import kpis_by

    a = make_case(conn, "reported", None, deadline_hours=48)
    b = make_case(conn, "in_progress", WS, deadline_hours=-10)
    c = make_case(conn, "in_progress", WS, deadline_hours=48)
    d = make_case(conn, "assigned", WS, deadline_hours=-30)
    steps = [
        (a, "assign", CITY, {"target": WS}), (a, "accept", WS, {}), (a, "escalate", WS, {}),
        (a, "accept", POST, {}), (a, "resolve", POST, {"result": "resolved"}),
        (b, "resolve", WS, {"result": "unresolved"}),
        (b, "close", WS, {"satisfaction": "unreachable"}),
        (c, "resolve", WS, {"result": "resolved"}), (c, "reopen", SUB, {"note": "不满意"}),
        (d, "supervise", CITY, {"note": "限期办结"}), (d, "urge", SUB, {}),
    ]  # fmt: skip
    for k, (case, action, center, args) in enumerate(steps):
        apply_action(conn, case, action, "x", center, now=NOW + timedelta(hours=k), **args)
        conn.commit()
    assert tick(conn, EscalationRule(True, 24, 10), NOW + timedelta(hours=12)).escalated == 1
    flt = IncidentFilter(parse_period("2026-11", NOW), scope=scope)
    assert rollup.answers(flt)
    from_rollups = area_counts(conn, flt, ("livelihood",)).kpis
    counted = kpis_by(conn, flt)[None]
    expected = {
        "new": 4, "open": 2, "overdue": 2, "concluded": 2, "resolved": 1, "concluded_late": 1,
        "escalated": 2,
    }  # fmt: skip
    for name in FIGURES:
        assert getattr(counted, name) == expected[name], name
        assert getattr(from_rollups, name) == expected[name], name
    hours = [5 * 24 + 4, 5 * 24 + 5]  # reported 5 days before NOW, resolved at steps 4 and 5
    assert counted.mean_handling_hours == pytest.approx(sum(hours) / 2)
    assert from_rollups.mean_handling_hours == pytest.approx(sum(hours) / 2)
    assert counted.resolved_rate == pytest.approx(0.5)


def test_supervision_time_limit(conn):
    """A supervision may carry a time limit in the future, kept in the event's detail."""
    case = make_case(conn, "assigned", WS, deadline_hours=-3)
    with pytest.raises(WorkflowRefused) as refused:
        apply_action(conn, case, "supervise", "市", CITY, note="督办", reply_by=NOW, now=NOW)
    assert refused.value.key == "bad_reply_by"
    conn.rollback()
    with pytest.raises(WorkflowRefused):  # only a supervision has one
        apply_action(conn, case, "urge", "市", CITY, reply_by=NOW + timedelta(hours=1), now=NOW)
    conn.rollback()
    limit = NOW + timedelta(hours=24)
    apply_action(conn, case, "supervise", "市", CITY, note="督办", reply_by=limit, now=NOW)
    conn.commit()
    detail = events(conn, case)[-1][7]
    assert datetime.fromisoformat(detail["reply_by"]) == limit


def test_queue_of_the_centers_below(conn):
    """The cases held below a center, for supervision: every level down, not its own."""
    at_ws = make_case(conn, "assigned", WS, deadline_hours=-2)
    at_post = make_case(conn, "in_progress", POST)
    at_city = make_case(conn, "assigned", CITY)
    unrouted = make_case(conn, "reported", None)
    other = make_case(conn, "assigned", OTHER_WS)
    below_city = queue(conn, CITY, QueueFilter(below=True), NOW)
    assert {r.id for r in below_city.rows} == {at_ws, at_post, other}
    assert below_city.rows[0].id == at_ws and below_city.rows[0].assigned_center == WS
    assert {r.id for r in queue(conn, SUB, QueueFilter(below=True), NOW).rows} == {at_ws, at_post}
    assert {r.id for r in queue(conn, POST, QueueFilter(below=True), NOW).rows} == {at_ws}
    assert queue(conn, WS, QueueFilter(below=True), NOW).total == 0
    assert {r.id for r in queue(conn, CITY, QueueFilter(), NOW).rows} == {at_city, unrouted}
