"""Drill-down figures on a hand-made city with known answers: rollups, fallbacks, children."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from geo import db
from geo.drill import queries as drill
from geo.drill import rollup
from geo.filters import IncidentFilter, Scope, parse_period
from geo.queries.kpis import Kpis, kpis_by
from tests.drill_fixtures import (
    EXPECTED_OCTOBER,
    HANDLING_HOURS,
    insert_case,
    load_city,
)

pytestmark = pytest.mark.db

OCT = parse_period("2026-10")
SEP = parse_period("2026-09")
CATEGORIES = ("dispute", "safety_hazard", "public_order", "fraud")
COUNTS = ("new", "open", "overdue", "concluded", "resolved", "concluded_late", "escalated",
          "major_new", "major_open")  # fmt: skip
SCOPES = [Scope(), Scope("district", "D1"), Scope("street", "S1"), Scope("community", "C1"),
          Scope("grid", "G1"), Scope("district", "D2")]  # fmt: skip


def _city_db(scratch) -> db.psycopg2.extensions.connection:
    url = scratch.create_migrated()
    conn = db.connect(url)
    load_city(conn)
    return conn


@pytest.fixture(scope="module")
def city(scratch):
    """The hand-made city (read-only for the tests that use it)."""
    conn = _city_db(scratch)
    yield conn
    conn.close()


@pytest.fixture
def writable_city(scratch):
    """A fresh copy of the hand-made city that a test may change."""
    conn = _city_db(scratch)
    yield conn
    conn.close()


def test_october_in_the_city_has_the_known_answers(city):
    """Every key figure and the index's two counts, through the rollups."""
    flt = IncidentFilter(OCT)
    assert rollup.answers(flt)
    got = drill.area_counts(city, flt, CATEGORIES)
    for name in COUNTS:
        assert getattr(got.kpis, name) == EXPECTED_OCTOBER[name], name
    assert got.new_in_categories == EXPECTED_OCTOBER["new_in_categories"]
    assert got.repeats == EXPECTED_OCTOBER["repeats"]
    assert got.kpis.resolved_rate == pytest.approx(4 / 6)
    assert got.kpis.mean_handling_hours == pytest.approx(sum(HANDLING_HOURS) / 6)
    # exact percentile_cont is 185.75; the buckets give it within an hour
    assert got.kpis.p90_handling_hours == pytest.approx(185.75, abs=1.0)


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.code or "city")
@pytest.mark.parametrize("period", ["2026-10", "2026-09", "2026-W43", "2026-10-01..2026-10-15"])
def test_rollups_agree_with_counting_incidents(city, scope, period):
    """The rollups and the shared key-figure query give the same numbers everywhere."""
    flt = IncidentFilter(parse_period(period), scope=scope)
    fast = drill.area_counts(city, flt, CATEGORIES).kpis
    slow = kpis_by(city, flt).get(None) or fast.__class__()
    for name in COUNTS:
        assert getattr(fast, name) == getattr(slow, name), name
    assert fast.mean_handling_hours == pytest.approx(slow.mean_handling_hours)


def test_a_period_not_on_cst_midnight_counts_incidents(city):
    """A period ending at `now` (not a whole CST day) falls back to counting incidents."""
    now = datetime(2026, 10, 21, 6, tzinfo=UTC)  # 14:00 CST
    flt = IncidentFilter(parse_period("7d", now))
    assert not rollup.answers(flt)
    got = drill.area_counts(city, flt, CATEGORIES)
    assert got.kpis.new == 2  # cases 9 (15 October) and 3 (20 October)
    assert got.repeats == 0 and got.new_in_categories == 2
    assert got.kpis.concluded == 1 and got.kpis.p90_handling_hours == pytest.approx(24.0)


@pytest.mark.parametrize(
    ("scope", "child_level"),
    [(Scope(), "district"), (Scope("district", "D1"), "street"),
     (Scope("street", "S1"), "community"), (Scope("community", "C1"), "grid")],
)  # fmt: skip
def test_children_add_up_to_their_parent(city, scope, child_level):
    """Each child's counts sum to its parent's, for every count the page and the index use."""
    flt = IncidentFilter(OCT, scope=scope)
    parent_code = scope.code or "620100"
    codes = [c.code for c in drill.children(city, parent_code)]
    kids, _ = drill.child_counts(city, flt, SEP, child_level, codes, CATEGORIES)
    parent = drill.area_counts(city, flt, CATEGORIES)
    for name in COUNTS:
        assert sum(getattr(k.kpis, name) for k in kids.values()) == getattr(parent.kpis, name)
    assert sum(k.repeats for k in kids.values()) == parent.repeats
    assert sum(k.new_in_categories for k in kids.values()) == parent.new_in_categories


def test_children_of_the_city(city):
    """District D1 has six of October's seven new cases, D2 one."""
    codes = ["D1", "D2"]
    kids, _ = drill.child_counts(city, IncidentFilter(OCT), SEP, "district", codes, CATEGORIES)
    assert kids["D1"].kpis.new == 6 and kids["D2"].kpis.new == 1
    assert kids["D2"].kpis.concluded == 1 and kids["D2"].kpis.resolved == 0  # withdrawn


@pytest.mark.parametrize(
    ("scope", "child_level", "periods"),
    [(Scope("community", "C1"), "grid", ("2026-10", "2026-09")),
     (Scope("district", "D1"), "street", ("7d", "2026-10")),
     (Scope(), "district", ("30d", "7d"))],
)  # fmt: skip
def test_both_periods_of_the_children_in_one_query(city, scope, child_level, periods):
    """The children's figures of the period and of the one compared, counted in one read of
    the incidents, equal each child's own figures counted period by period (p90 included)."""
    now = datetime(2026, 11, 5, 3, tzinfo=UTC)
    period, previous = (parse_period(p, now) for p in periods)
    codes = [c.code for c in drill.children(city, scope.code or "620100")]
    flt = IncidentFilter(period, scope=scope)
    got = drill.child_counts(city, flt, previous, child_level, codes, CATEGORIES)
    assert any(k.kpis.new for k in got[0].values()) and any(k.kpis.open for k in got[1].values())
    for counted, when in zip(got, (period, previous), strict=True):
        for code in codes:
            own = IncidentFilter(when, scope=Scope(child_level, code))
            expected = (
                drill.area_counts(city, own, CATEGORIES)
                if not rollup.answers(own) or child_level == "grid"
                else counted[code]  # a rollup's p90 is bucketed: counts compared above
            )
            assert counted[code].kpis == expected.kpis
            assert (counted[code].repeats, counted[code].new_in_categories) == (
                expected.repeats, expected.new_in_categories
            )  # fmt: skip


# the reviewed and the compared period: a month and the one before, and a month's first days
# with the same days of the month before (the current month, cut at today), which do not touch
PAIRS = [("2026-10", "2026-09"), ("2026-10-01..2026-10-04", "2026-09-01..2026-09-04")]


def _without_mean(kpis):
    """Key figures with the mean handling time left out (a float sum depends on row order)."""
    return replace(kpis, mean_handling_hours=None)


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.code or "city")
@pytest.mark.parametrize(("period", "previous"), PAIRS)
def test_both_periods_read_together_give_each_periods_figures(city, scope, period, previous):
    """An area's figures over both periods from one read of the rollups (and one of the
    handling buckets) are each period's own, p90 included; a grid still counts incidents."""
    flt = IncidentFilter(parse_period(period), scope=scope)
    before = parse_period(previous)
    pair = drill.area_counts_pair(city, flt, before, CATEGORIES)
    alone = (
        drill.area_counts(city, flt, CATEGORIES),
        drill.area_counts(city, flt.with_period(before), CATEGORIES),
    )
    for got, expected in zip(pair, alone, strict=True):
        assert _without_mean(got.kpis) == _without_mean(expected.kpis)
        assert got.kpis.mean_handling_hours == pytest.approx(expected.kpis.mean_handling_hours)
        assert (got.repeats, got.new_in_categories) == (
            expected.repeats, expected.new_in_categories
        )  # fmt: skip
    if scope == Scope():
        assert pair[0].kpis.new != pair[1].kpis.new  # the periods differ: not one read twice


@pytest.mark.parametrize(
    ("scope", "child_level"),
    [(Scope(), "district"), (Scope("district", "D1"), "street"),
     (Scope("street", "S1"), "community")],
)  # fmt: skip
@pytest.mark.parametrize(("period", "previous"), PAIRS)
def test_children_of_both_periods_in_one_rollup_read(city, scope, child_level, period, previous):
    """The children's figures over both periods, read from the rollups together, are what the
    rollups give for each period read alone (a quiet child: zeros)."""
    flt = IncidentFilter(parse_period(period), scope=scope)
    before = parse_period(previous)
    codes = [c.code for c in drill.children(city, scope.code or "620100")]
    got = drill.child_counts(city, flt, before, child_level, codes, CATEGORIES)
    empty = rollup.AreaCounts(Kpis(), 0, 0)
    for counts, when in zip(got, (flt.period, before), strict=True):
        alone = rollup.rollup_counts(city, codes, when, CATEGORIES)
        assert set(counts) == set(codes)
        for code in codes:
            expected = alone.get(code, empty)
            assert _without_mean(counts[code].kpis) == _without_mean(expected.kpis)
            assert counts[code].kpis.mean_handling_hours == pytest.approx(
                expected.kpis.mean_handling_hours
            )
            assert (counts[code].repeats, counts[code].new_in_categories) == (
                expected.repeats, expected.new_in_categories
            )  # fmt: skip


def test_trend_counts_each_cst_day(city):
    """Daily points cover the month; 1 and 31 October each get their late-night case."""
    points = drill.trend(city, IncidentFilter(OCT))
    assert len(points) == 31
    by_day = {p.day.day: p for p in points}
    assert by_day[1].new == 1 and by_day[31].new == 1
    assert sum(p.new for p in points) == 7 and sum(p.concluded for p in points) == 6
    base = drill.trend(city, IncidentFilter(OCT, scope=Scope("grid", "G1")))
    assert [p.day.day for p in base if p.new] == [2, 10, 20]
    weeks = drill.weekly(points)
    assert sum(w.new for w in weeks) == 7 and all(w.day.weekday() == 0 for w in weeks)


def test_breakdowns_with_the_previous_period(city):
    """Categories and sources of October, with September's new cases beside them."""
    cats = {r.key: r for r in drill.breakdown(city, IncidentFilter(OCT), SEP, "category")}
    assert cats["dispute"].new == 3 and cats["dispute"].concluded == 3
    assert cats["livelihood"].previous_new == 1 and cats["livelihood"].resolved == 1
    sources = drill.breakdown(city, IncidentFilter(OCT, scope=Scope("grid", "G1")), SEP, "source")
    assert [(r.key, r.new) for r in sources] == [("hotline_12345", 2), ("police_110", 1)]
    with pytest.raises(ValueError):
        drill.breakdown(city, IncidentFilter(OCT), SEP, "description")


def test_triggers_keep_the_rollups_exact_through_changes(writable_city):
    """New cases, a resolution, a move to another street and a deletion all stay in step."""
    conn = writable_city
    with conn.cursor() as cur:
        insert_case(cur, 11, "G3", "dispute", "petition", *_oct(11), None, None, False, 0, "E")
        cur.execute(
            "UPDATE incidents SET status = 'resolved', resolved_at = %s, result = 'resolved'"
            " WHERE id = 3",
            (datetime(2026, 10, 25, 4, tzinfo=UTC),),
        )
        cur.execute(
            "UPDATE incidents SET grid_code = 'G4', community_code = 'C3', street_code = 'S3',"
            " district_code = 'D2' WHERE id = 5"
        )
        cur.execute("DELETE FROM incidents WHERE id = 9")
    conn.commit()
    for scope in SCOPES + [Scope("street", "S3")]:
        flt = IncidentFilter(OCT, scope=scope)
        fast = drill.area_counts(conn, flt, CATEGORIES).kpis
        slow = kpis_by(conn, flt).get(None) or fast.__class__()
        for name in COUNTS:
            assert getattr(fast, name) == getattr(slow, name), (scope, name)
    city = drill.area_counts(conn, IncidentFilter(OCT), CATEGORIES)
    assert city.kpis.new == 7 and city.kpis.open == 3 and city.kpis.major_open == 0
    assert city.repeats == 3  # case 11 repeats address E of G3 (case 7, ten days before)
    assert drill._base_extras(conn, IncidentFilter(OCT), None, CATEGORIES)[None] == (6, 3)


def _oct(day: int) -> tuple[datetime, datetime]:
    """Reported on an October day at noon CST, due four days later."""
    reported = datetime(2026, 10, day, 4, tzinfo=UTC)
    return reported, reported.replace(day=day + 4)


def test_truncating_incidents_empties_the_rollups(writable_city):
    """TRUNCATE (the demo seed starts with it) leaves no stale rollup rows."""
    with writable_city.cursor() as cur:
        cur.execute("TRUNCATE incidents CASCADE")
        cur.execute(
            "SELECT (SELECT count(*) FROM incident_daily_flows)"
            " + (SELECT count(*) FROM incident_daily_stocks)"
            " + (SELECT count(*) FROM incident_daily_handling)"
        )
        assert cur.fetchone()[0] == 0
    writable_city.rollback()


def test_percentile_from_buckets_interpolates_like_percentile_cont():
    """Hour buckets 24, 24, 48, 96, 179, 192: the 90th percentile within an hour of exact."""
    counts = [(24, 2), (48, 1), (96, 1), (179, 1), (192, 1)]
    assert rollup.percentile_from_buckets(counts, 0.9) == pytest.approx(186.0)
    assert rollup.percentile_from_buckets([], 0.9) is None
    assert rollup.bucket_bounds(240) == (240.0, 264.0) and rollup.bucket_bounds(5) == (5.0, 6.0)


def test_review_period_cuts_an_unfinished_period_at_midnight():
    """November seen on 24 November 14:00 CST is 1–23 November, against 1–23 October."""
    now = datetime(2026, 11, 24, 6, tzinfo=UTC)
    current, before = drill.review_period(parse_period("2026-11"), now)
    assert current.start == parse_period("2026-11").start
    assert current.end == parse_period("2026-11-24").start
    assert before.start == OCT.start and before.end == parse_period("2026-10-24").start
    assert rollup.answers(IncidentFilter(current)) and rollup.answers(IncidentFilter(before))
    done, previous = drill.review_period(OCT, now)
    assert (done, previous) == (OCT, SEP)
    today, _ = drill.review_period(parse_period("2026-11-24"), now)
    assert today.end == now
