"""A small seeded demo with two known warnings, for the page and browser tests."""

from __future__ import annotations

from datetime import timedelta

from geo import db
from geo.auth.demo import ensure_demo_users
from geo.demo.load import seed_demo
from geo.timeutil import now_utc
from geo.warnings import scan_warnings
from geo.warnings.rules import load_rules
from tests.support import DEMO_INCIDENTS, DEMO_SCALE, DEMO_SEED

ODD_ADDRESS = "<img src=x onerror=alert(1)>家园9号楼"


def warned_database(scratch) -> tuple[str, dict[str, int]]:
    """A new database with the small demo and its accounts, plus 8 safety hazards a few metres
    apart (a category cluster) and min_reports reports from one address (a repeat address)
    in the first grid, scanned: its URL and the ids of those two warnings by kind."""
    url = scratch.create_migrated("minqing_warn_page")
    conn = db.connect(url)
    seed_demo(conn, incidents=DEMO_INCIDENTS, seed=DEMO_SEED, scale=DEMO_SCALE)
    ensure_demo_users(conn)
    now = now_utc()
    rules = load_rules()
    with conn.cursor() as cur:
        cur.execute(
            "SELECT g.code, c.code, s.code, s.parent_code, ST_X(p), ST_Y(p)"
            " FROM current_areas g JOIN current_areas c ON c.code = g.parent_code"
            " JOIN current_areas s ON s.code = c.parent_code,"
            " LATERAL ST_PointOnSurface(g.geom) p WHERE g.level = 'grid' ORDER BY g.code LIMIT 1"
        )
        grid, community, street, district, lon, lat = cur.fetchone()
        rows = [("safety_hazard", f"测试小区{k}号楼", 20.0 * k) for k in range(8)]
        rows += [("livelihood", ODD_ADDRESS, 1500.0)] * rules.repeat_address.min_reports
        for k, (category, address, north) in enumerate(rows):
            cur.execute(
                "INSERT INTO incidents (source, category, severity, address, geom, grid_code,"
                " community_code, street_code, district_code, reported_at, deadline_at, status)"
                " VALUES ('hotline_12345', %s, 2, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4490),"
                " %s, %s, %s, %s, %s, %s, 'reported')",
                (
                    category, address, lon, lat + north / 111_000, grid, community, street,
                    district, now - timedelta(hours=1 + k), now + timedelta(days=3),
                ),
            )  # fmt: skip
    assert rules.category_cluster.min_points <= 8 and rules.category_cluster.min_addresses <= 8
    scan_warnings(conn, now)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT kind, id FROM warnings WHERE grid_code = %s AND kind IN"
            " ('category_cluster', 'repeat_address')",
            (grid,),
        )
        ids = dict(cur.fetchall())
    conn.commit()
    conn.close()
    assert set(ids) == {"category_cluster", "repeat_address"}
    return url, ids
