"""Early warnings: each rule on hand-made incidents where the answer is known, re-scans,
the closed-key quiet time, status changes allowed and refused, the rules file, the CLI."""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from psycopg2 import sql

from geo import db
from geo.errors import ConfigError
from geo.warnings import WarningTransitionError, acknowledge, assign, close, scan_warnings
from geo.warnings.queries import list_warnings, warning_history
from geo.warnings.rules import DEFAULT_RULES, load_rules, parse_rules
from tests.live_world import AREAS, GRID_A, GRID_B, GRID_C, GRID_D, build_world, cst_noon

pytestmark = pytest.mark.db

RULES = load_rules()
# About 0.001° of latitude is 111 m; of longitude at 36°N, 90 m.
M_LAT = 1 / 111_000


@pytest.fixture(scope="module")
def world_url(scratch):
    """A migrated database with the tiny hand-made world (2 districts, 4 grids, 7 centers)."""
    url = scratch.create_migrated("minqing_warnings")
    conn = db.connect(url)
    build_world(conn)
    conn.close()
    return url


@pytest.fixture
def world(world_url, conn_to):
    """A connection to the world with no incidents and no warnings, and a fixed `now`."""
    conn = conn_to(world_url)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM warning_events")
        cur.execute("DELETE FROM warnings")
        cur.execute("DELETE FROM incident_events")
        cur.execute("DELETE FROM incidents")
    conn.commit()
    return conn, cst_noon(datetime.now(UTC))


_ids = itertools.count(1)


def _chain(grid: str) -> tuple[str, str, str]:
    community = next(a for a in AREAS if a[0] == grid)[1]
    street = next(a for a in AREAS if a[0] == community)[1]
    return community, street, next(a for a in AREAS if a[0] == street)[1]


def add(
    conn,
    now: datetime,
    grid: str,
    hours_ago: float,
    north_m: float = 0.0,
    address: str | None = None,
    category: str = "livelihood",
    major: bool = False,
) -> None:
    """One incident in `grid`, `north_m` metres north of its middle, reported hours ago."""
    row = next(a for a in AREAS if a[0] == grid)
    community, street, district = _chain(grid)
    lon = (row[5] + row[7]) / 2
    lat = row[6] + 0.01 + north_m * M_LAT
    reported = now - timedelta(hours=hours_ago)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO incidents (source, category, severity, is_major_risk, address, geom,"
            " grid_code, community_code, street_code, district_code, reported_at, deadline_at,"
            " status) VALUES ('hotline_12345', %s, 2, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s),"
            " 4490), %s, %s, %s, %s, %s, %s, 'reported')",
            (
                category, major, address or f"测试路{next(_ids)}号", lon, lat, grid, community,
                street, district, reported, reported + timedelta(days=5),
            ),
        )  # fmt: skip


def spread(i: int) -> float:
    """Metres north for the i-th of a set of incidents kept out of each other's clusters."""
    return 100.0 + 700.0 * (i % 12)


def found(conn, kind: str) -> list:
    """The active warnings of a kind."""
    return [w for w in list_warnings(conn) if w.kind == kind]


def count(conn, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        return cur.fetchone()[0]


# --- grid surge ---------------------------------------------------------------------------


def test_grid_surge_flags_the_surging_grid_and_not_the_steady_one(world):
    """A grid far above its own baseline is flagged; a busy grid at its usual level is not."""
    conn, now = world
    rule = RULES.grid_surge
    days = rule.recent_days + rule.baseline_days
    for day in range(days):  # steady: 4 a day throughout
        for k in range(4):
            add(conn, now, GRID_A, day * 24 + 2 + k, spread(k + day))
    for day in range(rule.recent_days, days, 7):  # quiet baseline: one a week
        add(conn, now, GRID_B, day * 24 + 5, spread(day))
    for k in range(rule.min_count):  # then min_count in the recent window
        add(conn, now, GRID_B, 1 + k * (rule.recent_days * 24 - 2) / rule.min_count, spread(k))
    # a grid with an empty baseline and one report fewer than min_count: not flagged
    for k in range(rule.min_count - 1):
        add(conn, now, GRID_C, 3 + k, spread(k))
    conn.commit()
    result = scan_warnings(conn, now)
    conn.commit()
    surges = found(conn, "grid_surge")
    assert [w.grid_code for w in surges] == [GRID_B]
    figures = surges[0].figures
    assert figures["observed"] == rule.min_count
    expected = len(range(rule.recent_days, days, 7)) / rule.baseline_days * rule.recent_days
    assert figures["expected"] == pytest.approx(expected, abs=0.01)
    assert figures["ratio"] == pytest.approx(rule.min_count / expected, abs=0.01)
    assert surges[0].district_code == "620102" and surges[0].community_code == "620102001001"
    by_kind = {r.kind: r for r in result.rules}
    assert by_kind["grid_surge"].found == 1 and by_kind["grid_surge"].raised == 1


# --- category cluster ---------------------------------------------------------------------


def test_cluster_of_min_points_is_flagged_and_one_fewer_is_not(world):
    """min_points reports of one category within a few dozen metres (different addresses)
    raise one warning; min_points - 1 elsewhere, or the same number spread far apart, or all
    from too few addresses, raise none."""
    conn, now = world
    rule = RULES.category_cluster
    n = rule.min_points
    for k in range(n):  # grid C: the cluster
        add(conn, now, GRID_C, 2 + k, 20.0 * k, category="safety_hazard")
    for k in range(n - 1):  # grid D: one too few
        add(conn, now, GRID_D, 2 + k, 20.0 * k, category="safety_hazard")
    for k in range(n):  # grid A: as many, but each one 2.5 radii from the next
        add(conn, now, GRID_A, 2 + k, 2.5 * rule.radius_m * k, category="safety_hazard")
    for k in range(n):  # grid B: as many and close, but from only min_addresses - 1 addresses
        address = f"同一地址{k % (rule.min_addresses - 1)}"
        add(conn, now, GRID_B, 2 + k, 10.0 * k, address, category="safety_hazard")
    for k in range(n):  # grid D again: close, but of different categories than the rest
        add(conn, now, GRID_D, 2 + k, 3000 + 20.0 * k, category=("fraud", "dispute")[k % 2])
    add(conn, now, GRID_D, rule.hours + 1, 20.0 * n, category="safety_hazard")  # too old
    conn.commit()
    scan_warnings(conn, now)
    conn.commit()
    clusters = found(conn, "category_cluster")
    assert [(w.grid_code, w.category) for w in clusters] == [(GRID_C, "safety_hazard")]
    assert clusters[0].figures["observed"] == n
    assert clusters[0].figures["addresses"] == n
    assert len(clusters[0].figures["incident_ids"]) == n


# --- repeat address -----------------------------------------------------------------------


def test_repeat_address_counts_one_address_within_the_window(world):
    """min_reports from one address (spacing ignored, shown as most often written) is
    flagged; one fewer, or as many with some before the window, is not."""
    conn, now = world
    rule = RULES.repeat_address
    hours = rule.days * 24
    for k in range(rule.min_reports):
        address = "城关区青关社区 3号楼2单元" if k % 3 == 0 else "城关区青关社区3号楼2单元"
        add(conn, now, GRID_A, 1 + k * (hours - 2) / rule.min_reports, spread(k), address,
            category=("livelihood", "dispute")[k % 2])  # fmt: skip
    for k in range(rule.min_reports - 1):
        add(conn, now, GRID_B, 1 + k, spread(k), "城关区某小区5号楼")
    for k in range(rule.min_reports):  # the first one falls out of the window
        add(conn, now, GRID_C, hours + 1 if k == 0 else 1 + k, spread(k), "七里河区西园6号楼")
    conn.commit()
    scan_warnings(conn, now)
    conn.commit()
    repeats = found(conn, "repeat_address")
    assert [w.address for w in repeats] == ["城关区青关社区3号楼2单元"]  # as most often written
    assert repeats[0].figures["observed"] == rule.min_reports
    assert repeats[0].figures["categories"] == 2
    assert repeats[0].grid_code == GRID_A


# --- rising major-risk category -----------------------------------------------------------


def test_rising_major_risk_category_per_district(world):
    """Major-risk fraud rising from one case in the baseline to min_count this week is flagged
    in its district; a category at its usual level, and ordinary cases, are not."""
    conn, now = world
    rule = RULES.major_risk_rise
    recent_h, base_h = rule.recent_days * 24, rule.baseline_days * 24
    add(conn, now, GRID_A, recent_h + base_h / 2, 0, category="fraud", major=True)
    for k in range(rule.min_count):
        add(conn, now, GRID_A, 5 + 20 * k, spread(k), category="fraud", major=True)
    # district 620103: disputes, a steady two a week for the whole span
    weeks = (rule.recent_days + rule.baseline_days) // 7
    for week in range(weeks):
        for k in range(2):
            add(conn, now, GRID_C, week * 168 + 10 + 50 * k, spread(k), category="dispute",
                major=True)  # fmt: skip
    for k in range(3 * rule.min_count):  # many ordinary fraud cases: not major risks
        add(conn, now, GRID_D, 5 + k, spread(k), category="fraud")
    conn.commit()
    scan_warnings(conn, now)
    conn.commit()
    rises = found(conn, "major_risk_rise")
    assert [(w.district_code, w.category, w.grid_code) for w in rises] == [
        ("620102", "fraud", None)
    ]
    assert rises[0].figures["observed"] == rule.min_count


# --- re-scans -----------------------------------------------------------------------------


def _cluster(conn, now, grid: str, n: int, north: float = 0.0) -> None:
    for k in range(n):
        add(conn, now, grid, 2 + k, north + 20.0 * k, category="safety_hazard")
    conn.commit()


def test_rescan_updates_instead_of_duplicating(world):
    """A second scan raises nothing new; a new report updates the same warning's figures."""
    conn, now = world
    _cluster(conn, now, GRID_C, RULES.category_cluster.min_points)
    first = scan_warnings(conn, now)
    conn.commit()
    (before,) = found(conn, "category_cluster")
    warnings_n, events_n = count(conn, "warnings"), count(conn, "warning_events")
    assert first.raised == warnings_n == events_n == 1
    second = scan_warnings(conn, now + timedelta(minutes=5))
    conn.commit()
    assert (second.raised, second.updated) == (0, 1)
    assert (count(conn, "warnings"), count(conn, "warning_events")) == (warnings_n, events_n)
    add(conn, now, GRID_C, 0.5, 50.0, category="safety_hazard")
    conn.commit()
    scan_warnings(conn, now + timedelta(minutes=10))
    conn.commit()
    (after,) = found(conn, "category_cluster")
    assert after.id == before.id
    assert after.figures["observed"] == before.figures["observed"] + 1
    assert after.last_seen_at == now + timedelta(minutes=10)
    assert after.detected_at == before.detected_at == now


def test_closed_key_stays_quiet_then_is_raised_again(world):
    """After closing, the same place is not raised again within reopen_after_hours; with no
    quiet time a new warning (a new id) is raised."""
    conn, now = world
    _cluster(conn, now, GRID_C, RULES.category_cluster.min_points)
    scan_warnings(conn, now)
    (first,) = found(conn, "category_cluster")
    close(conn, first.id, "测试员", "已核查", at=now)
    conn.commit()
    again = scan_warnings(conn, now + timedelta(minutes=1))
    conn.commit()
    assert again.raised == 0 and found(conn, "category_cluster") == []
    eager = dataclasses.replace(RULES, reopen_after_hours=0)
    reopened = scan_warnings(conn, now + timedelta(minutes=2), eager)
    conn.commit()
    (second,) = found(conn, "category_cluster")
    assert reopened.raised == 1 and second.id != first.id


def test_nothing_is_closed_by_a_scan(world):
    """A warning whose rule no longer holds stays active (last_seen_at tells)."""
    conn, now = world
    _cluster(conn, now, GRID_C, RULES.category_cluster.min_points)
    scan_warnings(conn, now)
    conn.commit()
    later = now + timedelta(hours=RULES.category_cluster.hours + 24)
    scan_warnings(conn, later)
    conn.commit()
    (still,) = found(conn, "category_cluster")
    assert still.status == "new" and still.last_seen_at == now
    assert not still.still_met(later)


def test_disabled_rule_is_not_run(world):
    """A rule switched off in the rules is skipped and absent from the counts."""
    conn, now = world
    _cluster(conn, now, GRID_C, RULES.category_cluster.min_points)
    off = dataclasses.replace(
        RULES, category_cluster=dataclasses.replace(RULES.category_cluster, enabled=False)
    )
    result = scan_warnings(conn, now, off)
    conn.commit()
    assert "category_cluster" not in {r.kind for r in result.rules}
    assert found(conn, "category_cluster") == []


# --- status changes -----------------------------------------------------------------------


@pytest.fixture
def one_warning(world):
    """A fresh warning (a cluster in grid C)."""
    conn, now = world
    _cluster(conn, now, GRID_C, RULES.category_cluster.min_points)
    scan_warnings(conn, now)
    conn.commit()
    (warning,) = found(conn, "category_cluster")
    return conn, now, warning.id


def _status(conn, warning_id: int) -> tuple:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT status, assigned_center, closed_at IS NOT NULL FROM warnings WHERE id = %s",
            (warning_id,),
        )
        return cur.fetchone()


def test_allowed_path_records_every_change(one_warning):
    """new → acknowledged → assigned → re-assigned → closed, each one event (who, when, note)."""
    conn, now, wid = one_warning
    acknowledge(conn, wid, "值班员", "已签收", at=now + timedelta(minutes=1))
    assign(conn, wid, "ws-620103001001", "值班员", "请核查", at=now + timedelta(minutes=2))
    assign(conn, wid, "post-620103001", "值班员", "改派", at=now + timedelta(minutes=3))
    close(conn, wid, "街道指挥所", "已整改", at=now + timedelta(minutes=4))
    conn.commit()
    assert _status(conn, wid) == ("closed", "post-620103001", True)
    history = [(e.action, e.from_status, e.to_status, e.center_code, e.note)
               for e in warning_history(conn, wid)]  # fmt: skip
    assert history == [
        ("raised", None, "new", None, ""),
        ("acknowledged", "new", "acknowledged", None, "已签收"),
        ("assigned", "acknowledged", "assigned", "ws-620103001001", "请核查"),
        ("assigned", "assigned", "assigned", "post-620103001", "改派"),
        ("closed", "assigned", "closed", "post-620103001", "已整改"),
    ]


def test_assign_and_close_straight_from_new(one_warning):
    """A new warning may be assigned, or closed, without being acknowledged first."""
    conn, now, wid = one_warning
    assign(conn, wid, "sub-620103", "值班员")
    conn.commit()
    assert _status(conn, wid) == ("assigned", "sub-620103", False)


@pytest.mark.parametrize(
    ("steps", "refused", "says"),
    [
        (["acknowledge"], "acknowledge", "is acknowledged"),
        (["assign"], "acknowledge", "is assigned"),
        (["close"], "acknowledge", "is closed"),
        (["close"], "close", "is closed"),
        (["close"], "assign", "is closed"),
        ([], "assign_unknown", "no center"),
        (["assign"], "assign_same", "already assigned"),
        ([], "close_without_note", "note is required"),
        ([], "acknowledge_missing", "does not exist"),
        ([], "acknowledge_nobody", "who acts"),
    ],
)
def test_refused_changes_leave_the_warning_as_it_was(one_warning, steps, refused, says):
    """Each change not allowed is refused with a reason and changes nothing."""
    conn, _, wid = one_warning
    do = {
        "acknowledge": lambda: acknowledge(conn, wid, "甲"),
        "assign": lambda: assign(conn, wid, "ws-620103001001", "甲"),
        "assign_same": lambda: assign(conn, wid, "ws-620103001001", "甲"),
        "assign_unknown": lambda: assign(conn, wid, "no-such-center", "甲"),
        "close": lambda: close(conn, wid, "甲", "办结"),
        "close_without_note": lambda: close(conn, wid, "甲", "  "),
        "acknowledge_missing": lambda: acknowledge(conn, wid + 10_000, "甲"),
        "acknowledge_nobody": lambda: acknowledge(conn, wid, " "),
    }
    for step in steps:
        do[step]()
    conn.commit()
    before, events = _status(conn, wid), count(conn, "warning_events")
    with pytest.raises(WarningTransitionError, match=says):
        do[refused]()
    conn.rollback()
    assert _status(conn, wid) == before
    assert count(conn, "warning_events") == events


def test_refusals_are_given_in_chinese_and_english(one_warning):
    """The page shows the reason in the user's language: both are there, with the status."""
    conn, _, wid = one_warning
    acknowledge(conn, wid, "甲")
    conn.commit()
    with pytest.raises(WarningTransitionError) as refused:
        acknowledge(conn, wid, "甲")
    conn.rollback()
    assert refused.value.text("zh") == f"预警 {wid} 当前为「已签收」，不能签收（仅限：新预警）"
    assert refused.value.text("en") == (
        f"warning {wid} is acknowledged: cannot acknowledge it (allowed from new)"
    )


# --- the rules file -----------------------------------------------------------------------


def _edited(old: str, new: str) -> str:
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("min_points = ", "min_points = -", "above 0"),
        ("radius_m = 300", 'radius_m = "300"', "number"),
        ("reopen_after_hours = 72", "", "reopen_after_hours"),
        ("[repeat_address]", "[repeat_addresses]", "repeat_address"),
        ("days = 30\n", "days = 30\nweeks = 2\n", "unknown setting"),
        ("{observed} 次", "{count} 次", "count"),
        ("\nhours = 72\n", "\nhours = 72.5\n", "whole number"),
        ("version = 1", "version = = 1", "not valid TOML"),
    ],
)
def test_malformed_rules_are_refused_clearly(old, new, says):
    """Every mistake in the rules file is a ConfigError that says what is wrong."""
    with pytest.raises(ConfigError, match=says):
        parse_rules(_edited(old, new))


def test_reason_texts_fill_in_the_figures():
    """Both languages name the numbers behind a warning."""
    figures = {"observed": 9, "addresses": 6, "radius_m": 300, "hours": 72}
    zh = RULES.reason("category_cluster", figures, "zh", category="安全隐患")
    en = RULES.reason("category_cluster", figures, "en", category="safety hazard")
    assert "9" in zh and "300" in zh and "安全隐患" in zh and "6" in zh
    assert "9 safety hazard" in en and "300 m" in en
    empty = {"observed": 14, "expected": 0.0, "ratio": None, "recent_days": 3}
    assert "— 倍" in RULES.reason("grid_surge", empty, "zh")  # no ratio over an empty baseline


# --- the command line ---------------------------------------------------------------------


def _minqing(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "warnings", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_cli_scan_list_and_refusal(world, world_url):
    """scan prints counts per rule; list shows the warning; a refused change is one line."""
    conn, _ = world
    _cluster(conn, datetime.now(UTC), GRID_C, RULES.category_cluster.min_points)
    scanned = _minqing(world_url, "scan")
    assert scanned.returncode == 0, scanned.stderr
    assert "category_cluster" in scanned.stdout and "new     1" in scanned.stdout
    listed = _minqing(world_url, "list", "--kind", "category_cluster")
    assert listed.returncode == 0 and listed.stdout.count("category_cluster") == 1
    (warning,) = found(conn, "category_cluster")
    first = _minqing(world_url, "close", str(warning.id), "--note", "已核查")
    assert first.returncode == 0, first.stderr
    refused = _minqing(world_url, "close", str(warning.id), "--note", "again")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"minqing: 预警 {warning.id} 当前为「已关闭」，不能关闭（仅限：新预警、已签收、已交办） / "
        f"warning {warning.id} is closed: cannot close it "
        "(allowed from new, acknowledged, assigned)"
    ]


# --- the map layer ------------------------------------------------------------------------


def test_layer_records_marks_and_legend(world):
    """One dot per warning with its reason, area and status in the tooltip; one "!" per dot
    (positions only); the legend names the four kinds and how many are shown."""
    from dashboard.warnings_text import TABLE
    from layers.warnings import KIND_RGBA, warning_layers, warning_legend

    conn, now = world
    _cluster(conn, now, GRID_C, RULES.category_cluster.min_points)
    scan_warnings(conn, now)
    conn.commit()
    warnings = list_warnings(conn)
    dots, marks = warning_layers(warnings, RULES, lambda k: TABLE[k]["en"], "en")
    (record,) = dots.data
    assert record["c"] == KIND_RGBA["category_cluster"]
    assert record["title"] == f"Warning #{warnings[0].id} · Category cluster"
    assert record["body"].startswith(f"{RULES.category_cluster.min_points} Safety hazard")
    assert "Status: New" in record["body"].replace("：", ": ")
    assert marks.data == [{"p": record["p"], "t": "!"}]
    legend = warning_legend(lambda k: TABLE[k]["zh"], 1)
    assert [item.label for item in legend.items][:4] == [
        "网格诉求激增", "同类事件聚集", "同一地址重复报事", "重大风险类别上升",
    ]  # fmt: skip
    assert "1 条" in legend.note
