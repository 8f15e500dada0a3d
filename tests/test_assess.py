"""一体考评 against PostGIS: a month of hand-made cases worked through `apply_action`, the counts
of every center and grid worked out by hand, scores, ranks, edge cases, storage, scope, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from geo import db
from geo.assess.area import area_scorecards
from geo.assess.measure import Counts, measure
from geo.assess.rules import DEFAULT_RULES, load_rules, parse_rules
from geo.assess.score import NO_CASES, compute_scorecards
from geo.assess.store import store_scorecards, stored_run, stored_scorecards
from geo.errors import ConfigError
from geo.filters import Scope, parse_period
from geo.timeutil import CST
from geo.workflow.actions import apply_action
from tests.live_world import GRID_A, GRID_B, GRID_C, GRID_D, Incidents, build_world

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
CITY, SUB, POST, WS = "city-620100", "sub-620102", "post-620102001", "ws-620102001001"
OTHER_SUB, OTHER_POST, OTHER_WS = "sub-620103", "post-620103001", "ws-620103001001"
OCTOBER = parse_period("2026-10")
# Simple rules with known arithmetic: every base of one case is enough to rate.
RULES = parse_rules("""
accept_within_hours = 24
min_cases = 1
min_follow_ups = 1
[satisfaction]
satisfied = 1.0
basically_satisfied = 0.5
dissatisfied = 0.0
[[indicator]]
key = "accept_on_time_rate"
zh = "按时受理率"
en = "Accepted on time"
weight = 1
good = 1.0
bad = 0.0
[[indicator]]
key = "satisfaction_rate"
zh = "满意度"
en = "Satisfaction"
weight = 1
good = 1.0
bad = 0.0
[[indicator]]
key = "return_rate"
zh = "退回率"
en = "Sent back"
weight = 2
good = 0.0
bad = 1.0
[[band]]
key = "good"
min = 60
zh = "合格"
en = "Pass"
color = "#00aa00"
[[band]]
key = "bad"
min = 0
zh = "不合格"
en = "Fail"
color = "#aa0000"
""")


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


def _case(conn, grid: str, reported: datetime, deadline_days: float = 5) -> int:
    """A reported case with its 'reported' event, as intake stores one."""
    case = Incidents(conn, NOW).add(
        grid, (NOW - reported) / timedelta(days=1), status="reported", deadline_days=deadline_days
    )
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO incident_events (incident_id, at, action, from_status, to_status, actor)"
            " VALUES (%s, %s, 'reported', NULL, 'reported', 'hotline_12345')",
            (case, reported),
        )
    conn.commit()
    return case


def _steps(conn, case: int, steps: list[tuple]) -> None:
    for when, action, center, args in steps:
        apply_action(conn, case, action, "张三", center, now=when, **args)
        conn.commit()


@pytest.fixture(scope="module")
def world_url(scratch) -> str:
    """The tiny world with five cases around October 2026 (see the module's expectations)."""
    url = scratch.create_migrated("minqing_assess")
    conn = db.connect(url)
    build_world(conn)
    one = _case(conn, GRID_A, at(10, 2, 9))  # on time everywhere, satisfied
    _steps(conn, one, [
        (at(10, 2, 10), "assign", CITY, {"target": WS}),
        (at(10, 2, 11), "accept", WS, {}),
        (at(10, 3), "resolve", WS, {"result": "resolved"}),
        (at(10, 4), "close", WS, {"satisfaction": "satisfied"}),
    ])  # fmt: skip
    two = _case(conn, GRID_A, at(10, 5, 9))  # accepted late, supervised, late, reopened
    _steps(conn, two, [
        (at(10, 5, 10), "assign", CITY, {"target": WS}),
        (at(10, 7, 12), "accept", WS, {}),
        (at(10, 12), "supervise", POST, {"note": "限期办结"}),
        (at(10, 20), "resolve", WS, {"result": "resolved"}),
        (at(10, 21), "close", WS, {"satisfaction": "dissatisfied"}),
        (at(10, 22), "reopen", SUB, {"note": "回访不满意"}),
    ])  # fmt: skip
    three = _case(conn, GRID_B, at(10, 8, 9))  # sent back, escalated, handled by the district
    _steps(conn, three, [
        (at(10, 8, 10), "assign", CITY, {"target": WS}),
        (at(10, 8, 12), "return", WS, {"note": "非本级职责"}),
        (at(10, 8, 14), "assign", CITY, {"target": POST}),
        (at(10, 8, 15), "escalate", POST, {}),
        (at(10, 8, 16), "accept", SUB, {}),
        (at(10, 9), "resolve", SUB, {"result": "resolved"}),
        (at(10, 10), "close", SUB, {"satisfaction": "unreachable"}),
    ])  # fmt: skip
    six = _case(conn, GRID_B, at(10, 12, 9), deadline_days=2)  # escalated once overdue
    _steps(conn, six, [
        (at(10, 12, 10), "assign", CITY, {"target": POST}),
        (at(10, 12, 11), "accept", POST, {}),
        (at(10, 16, 9), "escalate", POST, {}),
        (at(10, 16, 12), "accept", SUB, {}),
        (at(10, 18), "resolve", SUB, {"result": "resolved"}),
    ])  # fmt: skip
    four = _case(conn, GRID_C, at(10, 30, 9))  # the other district: never accepted
    _steps(conn, four, [(at(10, 30, 10), "assign", CITY, {"target": OTHER_WS})])
    five = _case(conn, GRID_A, at(9, 25, 9))  # September's case, followed up on 1 October
    _steps(conn, five, [
        (at(9, 25, 10), "assign", CITY, {"target": WS}),
        (at(9, 25, 11), "accept", WS, {}),
        (at(9, 28), "resolve", WS, {"result": "resolved"}),
        (at(10, 1, 10), "close", WS, {"satisfaction": "basically_satisfied"}),
    ])  # fmt: skip
    conn.close()
    return url


# October by hand (cases 1-6 above). The sub-center received case six past its deadline: its
# late finishing counts for the grid, not against the sub-center.
EXPECTED = {
    ("center", WS): Counts(
        received=3, accept_due=2, accepted_on_time=1, finished=2, finished_on_time=1,
        open_end=1, overdue_end=1, returned=1, reopened=1, supervised=1, follow_ups=3,
        satisfied=1, basically_satisfied=1, dissatisfied=1,
    ),
    ("center", POST): Counts(received=2, accept_due=1, accepted_on_time=1, escalated=2),
    ("center", SUB): Counts(
        received=2, accept_due=2, accepted_on_time=2, finished=1, finished_on_time=1,
        follow_ups=1, unreachable=1,
    ),
    ("center", CITY): Counts(),
    ("center", OTHER_WS): Counts(received=1, accept_due=1, open_end=1),
    ("center", OTHER_POST): Counts(),
    ("center", OTHER_SUB): Counts(),
    ("grid", GRID_A): Counts(
        received=2, accept_due=2, accepted_on_time=1, finished=2, finished_on_time=1,
        open_end=1, overdue_end=1, reopened=1, supervised=1, follow_ups=3, satisfied=1,
        basically_satisfied=1, dissatisfied=1,
    ),
    ("grid", GRID_B): Counts(
        received=2, accept_due=3, accepted_on_time=3, finished=2, finished_on_time=1,
        returned=1, escalated=2, follow_ups=1, unreachable=1,
    ),
    ("grid", GRID_C): Counts(received=1, accept_due=1, open_end=1),
    ("grid", GRID_D): Counts(),
}  # fmt: skip


@pytest.fixture
def conn(world_url):
    connection = db.connect(world_url)
    yield connection
    connection.rollback()
    connection.close()


def _by_code(cards) -> dict:
    return {(c.subject.kind, c.subject.code): c for c in cards}


def test_counts_of_every_center_and_grid(conn):
    """Received, acceptance, finishing, end state, returns, escalations, reopening, supervision
    and follow-up answers land on the center (and grid) the definitions name."""
    cards = _by_code(compute_scorecards(conn, OCTOBER, NOW, rules=RULES))
    assert {key: card.counts for key, card in cards.items()} == EXPECTED


def test_scores_contributions_and_ranks(conn):
    """Scores are the weighted means of the rated indicators; ranks among the same level."""
    cards = _by_code(compute_scorecards(conn, OCTOBER, NOW, rules=RULES))
    ws = cards[("center", WS)]
    # accepted on time 1/2 -> 50; satisfaction (1 + 0.5 + 0) / 3 -> 50; returned 1/3 -> 66.7
    assert ws.score == pytest.approx((50 + 50 + 2 * 200 / 3) / 4)
    assert sum(c.points for c in ws.contributions) == pytest.approx(ws.score)
    assert ws.band.key == "bad" and ws.contribution("return_rate").score == pytest.approx(200 / 3)
    other = cards[("center", OTHER_WS)]  # never accepted its case: 0; nothing sent back: 100
    assert other.score == pytest.approx(200 / 3)
    assert not other.contribution("satisfaction_rate").rated  # nobody was followed up
    assert (other.rank, other.peers, ws.rank, ws.peers) == (1, 2, 2, 2)
    assert cards[("center", SUB)].score == pytest.approx(100)  # no answer reached: not rated
    assert cards[("center", SUB)].rank == 1 and cards[("center", POST)].rank == 1


def test_no_cases_has_no_score_not_a_zero(conn):
    """A center with nothing to do has no score and no rank, and says why."""
    cards = _by_code(compute_scorecards(conn, OCTOBER, NOW, rules=RULES))
    for key in (("center", CITY), ("center", OTHER_SUB), ("grid", GRID_D)):
        assert cards[key].score is None and cards[key].rank is None
        assert cards[key].unscored == NO_CASES


def test_a_month_without_follow_ups(conn):
    """September: the case was followed up in October, so satisfaction is not rated (its weight
    goes to the others), and acceptance on time scores the workstation."""
    cards = _by_code(compute_scorecards(conn, parse_period("2026-09"), NOW, rules=RULES))
    ws = cards[("center", WS)]
    assert ws.counts.follow_ups == 0 and not ws.contribution("satisfaction_rate").rated
    assert ws.contribution("satisfaction_rate").weight == 0
    assert ws.score == pytest.approx(100)


def test_a_period_not_begun_is_refused(conn):
    from geo.assess.measure import AssessError

    with pytest.raises(AssessError, match="not begun"):
        compute_scorecards(conn, parse_period("2026-12"), NOW, rules=RULES)


def test_district_scope_sees_its_centers_with_the_same_counts(world_url):
    """As the app's role inside 城关区: its sub-center, post, workstation and grids only (not the
    city center, not 七里河区), with the owner's counts; ranks among what it sees."""
    pool = db.get_pool(world_url)
    with db.scoped_transaction(pool, Scope("district", "620102")) as conn:
        cards = compute_scorecards(conn, OCTOBER, NOW, Scope("district", "620102"), RULES)
    keys = {(c.subject.kind, c.subject.code) for c in cards}
    assert keys == {("center", SUB), ("center", POST), ("center", WS), ("grid", GRID_A),
                    ("grid", GRID_B)}  # fmt: skip
    for card in cards:
        assert card.counts == EXPECTED[(card.subject.kind, card.subject.code)]
    assert _by_code(cards)[("center", WS)].rank == 1


def test_stored_scorecards_round_trip_and_scope(world_url, conn):
    """Stored with their rules; read back equal; the app's role in a district sees only its
    rows; the area listing uses the stored run of a finished period."""
    cards = compute_scorecards(conn, OCTOBER, NOW, rules=RULES)
    store_scorecards(conn, OCTOBER, cards, RULES, NOW)
    conn.commit()
    run = stored_run(conn, "2026-10")
    assert run.final and run.rules.version == RULES.version and run.period == OCTOBER
    back = _by_code(stored_scorecards(conn, run))
    for key, card in _by_code(cards).items():
        assert back[key].counts == card.counts and back[key].rank == card.rank
        assert back[key].score == pytest.approx(card.score) if card.score else True
        assert back[key].contributions == card.contributions
    pool = db.get_pool(world_url)
    with db.scoped_transaction(pool, Scope("district", "620103")) as app:
        listed = area_scorecards(app, Scope("district", "620103"), OCTOBER, NOW)
        with app.cursor() as cur:
            cur.execute("SELECT DISTINCT district_code FROM scorecards")
            districts = {row[0] for row in cur.fetchall()}
    assert districts == {"620103"}
    assert listed.stored is not None and listed.rules.version == RULES.version
    assert {c.subject.code for c in listed.cards} == {OTHER_SUB, OTHER_POST, OTHER_WS, GRID_C,
                                                      GRID_D}  # fmt: skip


def test_an_areas_scorecards_from_counts_kept_for_every_area(world_url):
    """Counts measured once for the viewer's scope give each area the scorecards it gets when
    it counts alone (ranks among the area's own peers included)."""
    pool = db.get_pool(world_url)
    with db.scoped_transaction(pool, Scope()) as app:
        period = parse_period("2026-10-01..2026-10-31")  # no stored run: counted
        kept = measure(app, period, NOW, load_rules().accept_within_hours)
        for area in (Scope("district", "620102"), Scope("district", "620103"), Scope()):
            alone = area_scorecards(app, area, period, NOW)
            shared = area_scorecards(app, area, period, NOW, lambda: kept)
            assert alone.stored is None and shared.cards == alone.cards, area
            assert alone.cards


def test_rules_file_is_checked():
    """The packaged rules load; a malformed or inconsistent file stops with a clear message."""
    rules = load_rules(DEFAULT_RULES)
    assert sum(i.weight for i in rules.indicators) == pytest.approx(1.0)
    assert rules.band(95).key == "excellent" and rules.band(10).key == "fail"
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    for broken, message in (
        (text.replace('key = "reopen_rate"', 'key = "speed"'), "unknown scorecard indicators"),
        (text.replace("min = 0\n", "min = 10\n"), "must cover 0"),
        (text.replace("accept_within_hours = 24", "accept_within_hours = 0"), "above 0"),
        (text.replace("dissatisfied = 0.0", "dissatisfied = 2"), "between 0 and 1"),
        ("weight = ", "malformed"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_rules(broken)


def test_cli_writes_the_workbook_and_stores(world_url, tmp_path):
    """`minqing assess --period 2026-10 --area 620102`: stored for the city, the workbook lists
    the district's subjects by level, numbers as numbers and no formula anywhere."""
    result = subprocess.run(
        [sys.executable, "-m", "geo.cli", "assess", "--period", "2026-10", "--area", "620102",
         "--out", str(tmp_path)],
        capture_output=True, text=True, env={**os.environ, "DATABASE_URL": world_url},
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    path = next(tmp_path.glob("一体考评_城关区_620102_2026-10.xlsx"))
    book = load_workbook(path)
    assert book.sheetnames == ["分中心", "指挥所", "工作站", "网格", "考评规则"]
    names = [row[3] for row in book["工作站"].iter_rows(min_row=5, values_only=True)]
    assert names == ["青关社区工作站"]
    with zipfile.ZipFile(path) as archive:
        assert not any(b"<f>" in archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    conn = db.connect(world_url)
    try:
        run = stored_run(conn, "2026-10")
        assert run.rules.version == load_rules().version
        assert len(stored_scorecards(conn, run)) == 11  # 7 centers and 4 grids
    finally:
        conn.close()
    bad = subprocess.run(
        [sys.executable, "-m", "geo.cli", "assess", "--period", "2026-13"],
        capture_output=True, text=True, env={**os.environ, "DATABASE_URL": world_url},
        timeout=120,
    )  # fmt: skip
    assert bad.returncode == 1 and "2026-13" in bad.stderr and "Traceback" not in bad.stderr


def test_safety_report_has_the_scorecard_sheet(conn):
    """The district's safety report for October carries its centers' and grids' scorecards."""
    import io

    from geo.drill.step import drill_step
    from geo.reports.content import gather
    from geo.reports.excel import workbook_bytes

    content = gather(conn, drill_step(conn, "620102", "2026-10", NOW))
    book = load_workbook(io.BytesIO(workbook_bytes(content)))
    rows = list(book["考评"].iter_rows(min_row=5, values_only=True))
    assert [(row[0], row[4]) for row in rows] == [
        ("分中心", SUB), ("指挥所", POST), ("工作站", WS), ("网格", GRID_A), ("网格", GRID_B),
    ]  # fmt: skip
    ws = next(row for row in rows if row[4] == WS)
    assert ws[7] == 3  # received
