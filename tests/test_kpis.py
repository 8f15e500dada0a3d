"""Key figures on a small hand-made data set with known answers, against the real PostGIS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from geo import db
from geo.filters import IncidentFilter, PeriodError, Scope, parse_period
from geo.queries.kpis import area_kpis, kpis_by, kpis_with_previous

pytestmark = pytest.mark.db

OCT = parse_period("2026-10")
SEP = parse_period("2026-09")


def cst(day: int, hour: int = 12, month: int = 10) -> datetime:
    """A moment of 2026 given in China Standard Time (UTC+8)."""
    return datetime(2026, month, day, hour, tzinfo=UTC) - timedelta(hours=8)


# (street, source, reported, deadline, resolved, result, major, escalations)
CASES = [
    ("s1", "hotline_12345", cst(2), cst(5), cst(4), "resolved", False, 0),  # on time
    ("s1", "hotline_12345", cst(3), cst(4), cst(6), "resolved", False, 1),  # late, escalated
    ("s1", "police_110", cst(10), cst(12), cst(11), "unresolved", True, 0),  # major, concluded
    ("s1", "grid_patrol", cst(20), cst(5, month=11), None, None, False, 0),  # open, in time
    ("s2", "grid_patrol", cst(5), cst(8), None, None, True, 2),  # open, overdue, major
    ("s2", "petition", cst(28, month=9), cst(29, month=9), cst(2), "resolved", False, 0),
    ("s2", "petition", cst(1, 3), cst(2), cst(3), "resolved", False, 0),  # 1 Oct 03:00 CST
    ("s2", "hotline_12345", cst(30, 23, 9), cst(3), None, None, False, 0),  # Sep 30 CST, open
    ("s2", "hotline_12345", cst(1, 1, 11), cst(3, 1, 11), None, None, False, 0),  # November
]


@pytest.fixture(scope="module")
def kpi_db(scratch):
    """A database with two streets of one district and the cases above."""
    url = scratch.create_migrated()
    conn = db.connect(url)
    with conn.cursor() as cur:
        for number, (street, source, reported, deadline, resolved, result, major, esc) in enumerate(
            CASES
        ):
            status = "resolved" if resolved else "in_progress"
            cur.execute(
                "INSERT INTO incidents (source, category, severity, is_major_risk, geom,"
                " grid_code, community_code, street_code, district_code, reported_at,"
                " deadline_at, status, resolved_at, result, escalations, address) VALUES"
                " (%s, 'dispute', 2, %s, 'SRID=4490;POINT(103.83 36.05)', %s, %s, %s, 'd1',"
                " %s, %s, %s, %s, %s, %s, %s)",
                (
                    source,
                    major,
                    f"{street}g",
                    f"{street}c",
                    street,
                    reported,
                    deadline,
                    status,
                    resolved,
                    result,
                    esc,
                    f"addr {number}",
                ),
            )
    conn.commit()
    yield conn
    conn.close()


def test_october_figures(kpi_db):
    """Counts, rates and handling times of October in the whole city."""
    k = area_kpis(kpi_db, IncidentFilter(OCT))
    assert k.new == 6  # the five of October plus the 03:00 CST report of 1 October
    assert k.open == 3  # s1 patrol, s2 patrol, the September 30 hotline case
    assert k.overdue == 2  # s2 patrol (deadline 8 Oct), the September case (deadline 3 Oct)
    assert k.concluded == 5
    assert k.resolved == 4
    assert k.resolved_rate == pytest.approx(0.8)
    assert k.concluded_late == 3  # the escalated hotline case and both petitions
    assert k.escalated == 2
    assert k.major_new == 2 and k.major_open == 1
    hours = [48, 72, 24, 96, 57]
    assert k.mean_handling_hours == pytest.approx(sum(hours) / 5)
    assert k.p90_handling_hours == pytest.approx(86.4)


def test_previous_month_for_comparison(kpi_db):
    """The previous period of a month is the calendar month before it."""
    current, previous = kpis_with_previous(kpi_db, IncidentFilter(OCT))
    assert current.new == 6
    assert previous.new == 2 and previous.open == 2 and previous.concluded == 0


def test_children_add_up_to_parent(kpi_db):
    """Figures per street sum to the district's figures."""
    flt = IncidentFilter(OCT, scope=Scope("district", "d1"))
    parent = area_kpis(kpi_db, flt)
    children = kpis_by(kpi_db, flt, "street")
    assert set(children) == {"s1", "s2"}
    for name in ("new", "open", "overdue", "concluded", "resolved", "escalated", "major_open"):
        assert sum(getattr(k, name) for k in children.values()) == getattr(parent, name), name


def test_filters_narrow_the_count(kpi_db):
    """Sources, major risk and scope filters each narrow the figures."""
    assert area_kpis(kpi_db, IncidentFilter(OCT, sources=("petition",))).new == 1
    assert area_kpis(kpi_db, IncidentFilter(OCT, major_only=True)).new == 2
    assert area_kpis(kpi_db, IncidentFilter(OCT, scope=Scope("street", "s1"))).new == 4
    assert area_kpis(kpi_db, IncidentFilter(OCT, scope=Scope("street", "nowhere"))).new == 0


def test_month_bounds_are_china_standard_time():
    """October 2026 starts at 16:00 UTC on 30 September."""
    assert OCT.start == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert OCT.end == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert OCT.previous() == SEP


def test_period_texts():
    """Weeks, days, ranges and rolling windows parse to CST day bounds."""
    week = parse_period("2026-W43")
    assert week.start == datetime(2026, 10, 18, 16, tzinfo=UTC) and week.days == 7
    span = parse_period("2026-10-01..2026-10-31")
    assert (span.start, span.end) == (OCT.start, OCT.end)
    now = datetime(2026, 11, 23, 2, tzinfo=UTC)  # 10:00 CST
    today = parse_period("today", now)
    assert today.start == datetime(2026, 11, 22, 16, tzinfo=UTC) and today.end == now
    assert parse_period("7d", now).start == datetime(2026, 11, 16, 16, tzinfo=UTC)
    assert span.previous().end == span.start


@pytest.mark.parametrize("text", ["2026-13", "yesterday", "2026-10-31..2026-10-01", "0d"])
def test_bad_period_texts(text):
    """Nonsense periods are refused with a clear error."""
    with pytest.raises(PeriodError):
        parse_period(text, datetime(2026, 11, 23, tzinfo=UTC))
