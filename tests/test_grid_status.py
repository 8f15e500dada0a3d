"""Grid colour rules (红黄蓝): the rules file, and PostGIS judging hand-made grids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo import db
from geo.errors import ConfigError
from geo.filters import IncidentFilter, Scope, parse_period
from geo.live.grid_status import DEFAULT_RULES, GridMeasures, judge, load_rules, parse_rules
from geo.live.queries import data_version
from geo.live.view import live_view, load_static
from tests.live_world import GRID_A, GRID_B, GRID_C, GRID_D, Incidents, build_world, cst_noon

ONE_OVERDUE_IS_RED = """
[[rule]]
id = "overdue"
color = "red"
when = { overdue = 1 }
zh = "超期 {overdue} 件"
en = "{overdue} overdue"

[[rule]]
id = "busy"
color = "yellow"
when = { open = 3 }
zh = "在办 {open} 件"
en = "{open} open"
"""


def test_default_rules_load_and_name_known_measures():
    """The shipped file parses; every rule is red or yellow and has both texts."""
    rules = load_rules(DEFAULT_RULES)
    assert {r.color for r in rules.rules} <= {"red", "yellow"}
    assert rules.ids_of("red") and rules.ids_of("yellow")
    assert all(r.zh and r.en for r in rules.rules)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("[[rule]]\nid='a'\ncolor='green'\nwhen={open=1}\nzh='x'\nen='x'", "red or yellow"),
        ("[[rule]]\nid='a'\ncolor='red'\nwhen={opened=1}\nzh='x'\nen='x'", "unknown measure"),
        ("[[rule]]\nid='a'\ncolor='red'\nwhen={open=-1}\nzh='x'\nen='x'", "at least 0"),
        ("[[rule]]\nid='a'\ncolor='red'\nwhen={}\nzh='x'\nen='x'", "names no measure"),
        ("[[rule]]\nid='a'\ncolor='red'\nwhen={open=1}\nzh='{closed}'\nen='x'", "the text names"),
        ("[[rule]]\nid='a'\ncolor='red'\nwhen={open=1}\nzh='x'", "malformed"),
        ("[[rule]]\nid='a'\ncolor='red'\nwhen={open=1}\nzh='x'\nen='x'\n" * 2, "repeat an id"),
        ("rule = [", "malformed"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(text, complaint):
    """A colour, measure, threshold or text the engine cannot use stops the load."""
    with pytest.raises(ConfigError, match=complaint):
        parse_rules(text)


def test_reason_texts_fill_in_the_numbers():
    """A reason names the grid's own numbers, in Chinese or English."""
    rule = load_rules().rules[0]
    measures = GridMeasures("g", major_open=2)
    assert "2" in rule.reason(measures, "zh")
    assert "2" in rule.reason(measures, "en")


@pytest.mark.db
def test_postgis_applies_each_threshold_exactly(migrated_db):
    """At, below and above each threshold of a hand-made rule set, PostGIS decides the colour."""
    rules = parse_rules(ONE_OVERDUE_IS_RED)
    cases = [
        GridMeasures("a", open=1, overdue=1),  # one overdue: red
        GridMeasures("b", open=3),  # three open, none overdue: yellow
        GridMeasures("c", open=2),  # below both: blue
        GridMeasures("d", open=9, overdue=4),  # both: red wins
        GridMeasures("e"),  # nothing at all: blue
    ]
    conn = db.connect(migrated_db)
    try:
        judged = {g.measures.code: g for g in judge(conn, cases, rules)}
    finally:
        conn.close()
    assert {code: g.color for code, g in judged.items()} == {
        "a": "red", "b": "yellow", "c": "blue", "d": "red", "e": "blue",
    }  # fmt: skip
    assert judged["d"].rules_met == (0, 1)
    assert judged["d"].reasons(rules) == ["超期 4 件", "在办 9 件"]
    assert judged["e"].reasons(rules) == []


@pytest.mark.db
def test_rise_compares_new_with_the_period_before(migrated_db):
    """`rise` is new ÷ max(previous, 1), computed in SQL: 8 vs 4 is 2×, 8 vs 0 is 8×."""
    rules = parse_rules('[[rule]]\nid="r"\ncolor="yellow"\nwhen={new=8, rise=2.0}\nzh="x"\nen="x"')
    cases = [
        GridMeasures("twice", new=8, previous=4),
        GridMeasures("from-nothing", new=8, previous=0),
        GridMeasures("not-enough", new=7, previous=0),
        GridMeasures("steady", new=8, previous=5),
    ]
    conn = db.connect(migrated_db)
    try:
        colors = {g.measures.code: g.color for g in judge(conn, cases, rules)}
    finally:
        conn.close()
    assert colors == {
        "twice": "yellow", "from-nothing": "yellow", "not-enough": "blue", "steady": "blue",
    }  # fmt: skip


@pytest.fixture(scope="module")
def world(scratch):
    """A migrated scratch database holding the tiny hand-made world."""

    url = scratch.create_migrated("minqing_live_rules")
    conn = db.connect(url)
    build_world(conn)
    yield conn
    conn.close()


def _colors(conn, now, rules, **filters):
    """Every grid's status: each district opened in turn (the city view leaves blue ones out)."""
    static = load_static(conn, data_version(conn)[0])
    grids = {}
    for district in ("620102", "620103"):
        scope = Scope("district", district)
        flt = IncidentFilter(parse_period("7d", now), scope=scope, **filters)
        grids.update({g.measures.code: g for g in live_view(conn, flt, now, static, rules).grids})
    city = live_view(conn, IncidentFilter(parse_period("7d", now), **filters), now, static, rules)
    conn.rollback()
    assert {g.measures.code for g in city.grids} == {
        code for code, g in grids.items() if g.color != "blue"
    }  # the city view lists exactly the red and yellow ones
    assert city.grid_counts["blue"] == sum(g.color == "blue" for g in grids.values())
    return grids


@pytest.mark.db
def test_hand_made_grids_take_their_colours_from_their_incidents(world):
    """With the shipped rules: many overdue cases or a major risk (red); disputes or a few
    overdue cases (yellow)."""
    now = cst_noon(datetime.now(UTC))
    incidents = Incidents(world, now)
    incidents.clear()
    for _ in range(8):  # A: eight open cases a week past their deadline → red
        incidents.add(GRID_A, reported_days_ago=20, deadline_days=5)
    incidents.add(GRID_B, reported_days_ago=2, major=True, category="dispute")  # B: major → red
    for _ in range(6):  # C: six open disputes, none overdue → yellow
        incidents.add(GRID_C, reported_days_ago=1, category="dispute", deadline_days=15)
    for _ in range(3):  # D: three resolved cases only → blue
        incidents.add(GRID_D, reported_days_ago=3, status="closed")
    for _ in range(6):  # D: and six overdue open cases → yellow after all
        incidents.add(GRID_D, reported_days_ago=30, status="in_progress", deadline_days=5)
    grids = _colors(world, now, load_rules())
    assert {code: g.color for code, g in grids.items()} == {
        GRID_A: "red", GRID_B: "red", GRID_C: "yellow", GRID_D: "yellow",
    }  # fmt: skip
    assert grids[GRID_A].measures.overdue == 8
    assert grids[GRID_A].reasons(load_rules())[0] == "超期未办结 8 件（≥8）"
    assert grids[GRID_B].measures.major_open == 1
    assert grids[GRID_C].measures.dispute_open == 6
    assert grids[GRID_D].measures == GridMeasures(GRID_D, open=6, overdue=6, new=3)


@pytest.mark.db
def test_one_overdue_case_turns_a_grid_red_under_that_rule(world):
    """The issue's example rule (any overdue case → red) on a grid with exactly one."""
    now = cst_noon(datetime.now(UTC))
    incidents = Incidents(world, now)
    incidents.clear()
    incidents.add(GRID_A, reported_days_ago=10, deadline_days=3)  # overdue
    incidents.add(GRID_B, reported_days_ago=1, deadline_days=3)  # open, in time
    grids = _colors(world, now, parse_rules(ONE_OVERDUE_IS_RED))
    assert grids[GRID_A].color == "red"
    assert grids[GRID_B].color == "blue"


@pytest.mark.db
def test_filters_decide_which_incidents_count(world):
    """Major risks only: grid A's eight ordinary overdue cases no longer count; B stays red."""
    now = cst_noon(datetime.now(UTC))
    incidents = Incidents(world, now)
    incidents.clear()
    for _ in range(8):
        incidents.add(GRID_A, reported_days_ago=20, deadline_days=5)
    incidents.add(GRID_B, reported_days_ago=2, major=True)
    rules = load_rules()
    assert _colors(world, now, rules)[GRID_A].color == "red"
    only_major = _colors(world, now, rules, major_only=True)
    assert only_major[GRID_A].color == "blue"
    assert only_major[GRID_B].color == "red"
    hotline = _colors(world, now, rules, sources=("police_110",))
    assert {g.color for g in hotline.values()} == {"blue"}


@pytest.mark.db
def test_a_sharp_rise_turns_a_grid_yellow(world):
    """Ten reports this week after two the week before: yellow, with the numbers in the reason."""
    now = cst_noon(datetime.now(UTC))
    incidents = Incidents(world, now)
    incidents.clear()
    for day in range(10):
        incidents.add(GRID_C, reported_days_ago=day * 0.5 + 0.1, status="closed")
    for _ in range(2):
        incidents.add(GRID_C, reported_days_ago=10, status="closed")
    grid = _colors(world, now, load_rules())[GRID_C]
    assert (grid.measures.new, grid.measures.previous) == (10, 2)
    assert grid.color == "yellow"
    assert grid.reasons(load_rules()) == ["新增 10 件，为前期 2 件的 5.0 倍（≥2 倍）"]


@pytest.mark.db
def test_any_grid_code_survives_the_trip_to_postgis(migrated_db):
    """Codes with quotes, backslashes, commas and braces come back as they went."""
    rules = parse_rules(ONE_OVERDUE_IS_RED)
    codes = ['a"b', "c\\d", "e,f", "{g}", "空 格", "NULL"]
    conn = db.connect(migrated_db)
    try:
        judged = judge(conn, [GridMeasures(c, overdue=i % 2) for i, c in enumerate(codes)], rules)
    finally:
        conn.close()
    assert [g.measures.code for g in judged] == codes
    assert [g.color for g in judged] == ["blue", "red"] * 3
