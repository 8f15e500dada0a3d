# ruff: noqa: E501 - the cases read best one per line
"""A small hand-made city with known answers for the drill-down, the index and the report.

City 620100 > districts D1, D2 > streets S1, S2 (D1), S3 (D2) > communities C1, C2, C3 > grids
G1, G2 (C1), G3 (C2), G4 (C3). Ten cases around October 2026 (times in CST); the expected
figures of October are worked out by hand in EXPECTED_OCTOBER.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg2.extensions

SQUARE = "SRID=4490;MULTIPOLYGON((({w} {s},{e} {s},{e} {n},{w} {n},{w} {s})))"

# code, parent, name, level, kind, population, (west, south, east, north)
AREAS = [
    ("620100", None, "兰州市", "city", None, 3600, (103.0, 36.0, 104.0, 36.4)),
    ("D1", "620100", "甲区", "district", None, 3500, (103.0, 36.0, 103.5, 36.4)),
    ("D2", "620100", "乙区", "district", None, 100, (103.5, 36.0, 104.0, 36.4)),
    ("S1", "D1", "东街道", "street", None, 1500, (103.0, 36.0, 103.25, 36.4)),
    ("S2", "D1", "西街道", "street", None, 2000, (103.25, 36.0, 103.5, 36.4)),
    ("S3", "D2", "南镇", "street", None, 100, (103.5, 36.0, 104.0, 36.4)),
    ("C1", "S1", "一社区", "community", None, 1500, (103.0, 36.0, 103.25, 36.4)),
    ("C2", "S2", "二社区", "community", None, 2000, (103.25, 36.0, 103.5, 36.4)),
    ("C3", "S3", "三村", "community", None, 100, (103.5, 36.0, 104.0, 36.4)),
    ("G1", "C1", "一网格", "grid", "urban", 1000, (103.0, 36.0, 103.25, 36.2)),
    ("G2", "C1", "二网格", "grid", "urban", 500, (103.0, 36.2, 103.25, 36.4)),
    ("G3", "C2", "三网格", "grid", "urban", 2000, (103.25, 36.0, 103.5, 36.4)),
    ("G4", "C3", "四网格", "grid", "rural", 100, (103.5, 36.0, 104.0, 36.4)),
]
GRID_PARENTS = {"G1": ("C1", "S1", "D1"), "G2": ("C1", "S1", "D1"), "G3": ("C2", "S2", "D1"),
                "G4": ("C3", "S3", "D2")}  # fmt: skip


def cst(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of 2026 given in China Standard Time."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


# grid, category, source, reported, deadline, resolved, result, major, escalations, address
CASES = [
    ("G1", "dispute", "hotline_12345", cst(10, 2), cst(10, 5), cst(10, 4), "resolved", False, 0, "A"),
    ("G1", "dispute", "hotline_12345", cst(10, 10), cst(10, 12), cst(10, 14), "resolved", False, 1, "A"),
    ("G1", "public_order", "police_110", cst(10, 20), cst(10, 23), None, None, True, 0, "B"),
    ("G1", "livelihood", "hotline_12345", cst(9, 25), cst(9, 30), cst(10, 3), "unresolved", False, 0, "A"),
    ("G2", "livelihood", "mini_program", cst(10, 5), cst(10, 10), cst(10, 6), "resolved", False, 0, "C"),
    ("G2", "safety_hazard", "grid_patrol", cst(10, 31, 23), cst(11, 3), None, None, False, 0, "D"),
    ("G3", "fraud", "police_110", cst(10, 1, 0, 30), cst(10, 11), cst(10, 8), "resolved", False, 0, "E"),
    ("G3", "dispute", "letters_visits", cst(8, 20), cst(10, 19), None, None, False, 0, "F"),
    ("G4", "dispute", "court_case", cst(10, 15), cst(11, 14), cst(10, 16), "withdrawn", False, 0, "G"),
    ("G4", "livelihood", "hotline_12345", cst(11, 2), cst(11, 7), None, None, False, 0, "H"),
]  # fmt: skip

# October 2026 in the whole city, worked out by hand from CASES (1-based case numbers).
EXPECTED_OCTOBER = {
    "new": 7,  # 1, 2, 3, 5, 6, 7, 9 (7 at 00:30 CST on 1 October counts; 6 at 23:00 on the 31st)
    "open": 3,  # 3, 6, 8 at 00:00 CST on 1 November
    "overdue": 2,  # 3 (deadline 23 Oct), 8 (19 Oct); 6 is due on 3 November
    "concluded": 6,  # 1, 2, 4, 5, 7, 9
    "resolved": 4,  # 1, 2, 5, 7 (4 unresolved, 9 withdrawn)
    "concluded_late": 2,  # 2 (14 > 12 Oct), 4 (3 Oct > 30 Sep)
    "escalated": 1,  # 2
    "major_new": 1,  # 3
    "major_open": 1,  # 3
    "new_in_categories": 6,  # all new but 5 (livelihood)
    "repeats": 2,  # 1 (address A reported on 25 Sep), 2 (A on 2 Oct)
}
HANDLING_HOURS = [48, 96, 192, 24, 179.5, 24]  # of 1, 2, 4, 5, 7, 9


def load_city(conn: psycopg2.extensions.connection) -> None:
    """Write the areas and cases above into a migrated, empty database."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO boundary_versions (created_by, source, is_current) "
            "VALUES ('test', 'drill fixtures', true) RETURNING id"
        )
        version = cur.fetchone()[0]
        for code, parent, name, level, kind, population, (w, s, e, n) in AREAS:
            square = SQUARE.format(w=w, s=s, e=e, n=n)
            cur.execute(
                "INSERT INTO areas (version_id, code, parent_code, name, level, kind, population,"
                " geom, geom_display) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (version, code, parent, name, level, kind, population, square, square),
            )
        # in the order they were reported, as they arrive (the rollups flag a repeat report
        # when it is stored: an older report stored after it does not change it)
        for number, case in sorted(enumerate(CASES, start=1), key=lambda nc: nc[1][3]):
            insert_case(cur, number, *case)
    conn.commit()


def insert_case(
    cur: psycopg2.extensions.cursor,
    number: int,
    grid: str,
    category: str,
    source: str,
    reported: datetime,
    deadline: datetime,
    resolved: datetime | None,
    result: str | None,
    major: bool,
    escalations: int,
    address: str,
) -> None:
    """One case in its grid (and the grid's parents), at a point inside the grid."""
    community, street, district = GRID_PARENTS[grid]
    west, south = next(a[6][:2] for a in AREAS if a[0] == grid)
    cur.execute(
        "INSERT INTO incidents (id, source, category, severity, is_major_risk, description,"
        " address, geom, grid_code, community_code, street_code, district_code, reported_at,"
        " deadline_at, status, resolved_at, result, escalations)"
        " VALUES (%s, %s, %s, 2, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4490),"
        " %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            number, source, category, major, f"第{number}件", address, west + 0.05, south + 0.05,
            grid, community, street, district, reported, deadline,
            "resolved" if resolved else "in_progress", resolved, result, escalations,
        ),
    )  # fmt: skip
