"""定期发布 against PostGIS: the closed periods' reports made once each (caught up after a pause,
at most as far as the rules say), kept with their rules and files, re-made only on purpose
with who and why, listed per scope; `minqing workflow tick` publishes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from geo import db
from geo.filters import Scope
from geo.publish.periods import closed_periods
from geo.publish.publish import PublishError, publish_due, remake
from geo.publish.rules import DEFAULT_RULES, parse_rules
from geo.publish.store import list_reports, report_file
from geo.timeutil import CST
from tests.live_world import GRID_A, GRID_C, Incidents, build_world

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 3, 9, 0, tzinfo=CST)  # October and week 44 have closed
CITY_MONTHLY = parse_rules("""
after_hours = 1
catch_up = 2
[[schedule]]
period = "month"
areas = ["city"]
""")


def _world(scratch) -> str:
    """A fresh tiny world with a few cases in both districts over the last months."""
    address = scratch.create_migrated("minqing_publish")
    conn = db.connect(address)
    build_world(conn)
    cases = Incidents(conn, NOW)
    for days in (3, 20, 40, 70, 100, 130):
        cases.add(GRID_A, days, status="closed", category="dispute")
        cases.add(GRID_C, days + 1, status="in_progress", category="livelihood")
    conn.close()
    return address


@pytest.fixture(scope="module")
def url(scratch):
    """One world for the module: the tests below publish October's reports once and use them."""
    return _world(scratch)


@pytest.fixture(scope="module")
def published(url):
    """The first run's reports: (period, area) -> id."""
    conn = db.connect(url)
    try:
        return {(r.period_key, r.area_code): r for r in publish_due(conn, NOW)}
    finally:
        conn.close()


def test_closed_periods_in_cst():
    """Months and ISO weeks that ended at least `after_hours` ago, newest first, in CST."""
    just_after = datetime(2026, 11, 1, 0, 30, tzinfo=CST)  # 30 minutes into November
    assert [p.key for p in closed_periods("month", just_after, 1, 2)] == ["2026-09", "2026-08"]
    assert [p.key for p in closed_periods("month", just_after, 0.25, 1)] == ["2026-10"]
    assert [p.key for p in closed_periods("week", NOW, 1, 2)] == ["2026-W44", "2026-W43"]


def test_publish_once_then_nothing(url, published):
    """A first run makes the latest closed period of each schedule (city and districts
    monthly, the city weekly); run again, nothing; the files open and carry the rules."""
    made = sorted(published.values(), key=lambda r: (r.period_key, r.area_code))
    conn = db.connect(url)
    try:
        again = publish_due(conn, NOW + timedelta(hours=3))
        reports = list_reports(conn)
        name, xlsx = report_file(conn, made[0].id, "xlsx")
        _, pdf = report_file(conn, made[0].id, "pdf")
        with conn.cursor() as cur:
            cur.execute("SELECT rules, made_by FROM published_reports WHERE id = %s", (made[0].id,))
            rules, by = cur.fetchone()
            cur.execute("SELECT final FROM scorecard_runs WHERE period_key = '2026-10'")
            assert cur.fetchone() == (True,)  # the month's scorecards were stored first
    finally:
        conn.close()
    assert sorted((r.period_key, r.area_code) for r in made) == [
        ("2026-10", "620100"), ("2026-10", "620102"), ("2026-10", "620103"),
        ("2026-W44", "620100"),
    ]  # fmt: skip
    assert again == [] and len(reports) == 4 and by == "system"
    assert name == "平安报表_兰州市_620100_2026-10.xlsx"
    assert "考评" in load_workbook(io.BytesIO(xlsx)).sheetnames and pdf.startswith(b"%PDF")
    assert "incident_rate" in rules["safety_index"]["text"] and rules["scorecard"]["version"]


def test_catch_up_after_a_pause(scratch):
    """After two months without a tick, the missed months are made, oldest first; after a
    longer pause at most `catch_up` of them."""
    conn = db.connect(_world(scratch))
    try:
        first = publish_due(conn, NOW - timedelta(days=61), CITY_MONTHLY)  # 3 September
        later = publish_due(conn, NOW, CITY_MONTHLY)
        much_later = publish_due(conn, NOW + timedelta(days=160), CITY_MONTHLY)
    finally:
        conn.close()
    assert [r.period_key for r in first] == ["2026-08"]
    assert [r.period_key for r in later] == ["2026-09", "2026-10"]
    assert [r.period_key for r in much_later] == ["2027-02", "2027-03"]


def test_remake_is_explicit_and_recorded(url, published):
    """A re-made report is version 2 beside version 1, with who and why (also in the audit
    log); without a reason, for a report never published or a period not closed: refused."""
    conn = db.connect(url)
    try:
        with pytest.raises(PublishError, match="why"):
            remake(conn, "620102", "2026-10", "张三", "  ", NOW)
        with pytest.raises(PublishError, match="nothing to make again"):
            remake(conn, "620102", "2026-09", "张三", "补录", NOW)
        with pytest.raises(PublishError, match="not closed"):
            remake(conn, "620102", "2026-11", "张三", "补录", NOW)
        second = remake(conn, "620102", "2026-10", "张三", "补录10月漏报案件", NOW)
        versions = [
            (r.version, r.made_by, r.reason) for r in list_reports(conn, area_code="620102")
        ]
        with conn.cursor() as cur:
            cur.execute("SELECT actor, target, detail->>'reason' FROM audit_log "
                        "WHERE action = 'report_remake'")  # fmt: skip
            audit = cur.fetchall()
    finally:
        conn.close()
    assert second.version == 2
    assert versions == [(2, "张三", "补录10月漏报案件"), (1, "system", "")]
    assert audit == [("张三", "620102:2026-10", "补录10月漏报案件")]


def test_scope_lists_and_files(url, published):
    """A district's users see their district's reports only (and can read their files); the
    city's users see all; a street's users none (reports are for the city and districts)."""
    made = {key: report.id for key, report in published.items()}
    pool = db.get_pool(url)
    seen = {}
    for scope in (Scope(), Scope("district", "620103"), Scope("street", "620102001")):
        with db.scoped_transaction(pool, scope) as app:
            seen[scope.level] = {r.area_code for r in list_reports(app)}
            city_file = report_file(app, made[("2026-10", "620100")], "pdf")
            own_file = report_file(app, made[("2026-10", "620103")], "pdf")
        seen[scope.level + "_files"] = (city_file is not None, own_file is not None)
    assert seen["city"] == {"620100", "620102", "620103"}
    assert seen["district"] == {"620103"} and seen["district_files"] == (False, True)
    assert seen["street"] == set() and seen["street_files"] == (False, False)


def test_tick_publishes(scratch):
    """`minqing workflow tick` ends by publishing what is due (here: for the real today)."""
    result = subprocess.run(
        [sys.executable, "-m", "geo.cli", "workflow", "tick", "--no-warnings"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "DATABASE_URL": _world(scratch)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("published the safety report of") == 4


def test_rules_file_is_checked():
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    assert parse_rules(text).catch_up == 6
    from geo.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown period"):
        parse_rules(text.replace('period = "week"', 'period = "day"'))
    with pytest.raises(ConfigError, match="areas"):
        parse_rules(text.replace('areas = ["city"]', 'areas = ["streets"]'))
