"""The seeded demo as PostGIS sees it: the tree nests and tiles, every incident lies in its grid."""

from __future__ import annotations

import pytest

from tests.support import DEMO_INCIDENTS

pytestmark = pytest.mark.db

# Square metres, measured in the 3-degree Gauss-Krüger zone of 105°E (EPSG:4544): a child may
# stick out of its parent, two siblings overlap, or a parent stay uncovered by at most this.
AREA_TOLERANCE_M2 = 1.0

CHILDREN_OUTSIDE_PARENT = """
SELECT c.code, ST_Area(ST_Transform(ST_Difference(c.geom, p.geom), 4544))
FROM current_areas c JOIN current_areas p ON p.code = c.parent_code
WHERE ST_Area(ST_Transform(ST_Difference(c.geom, p.geom), 4544)) > %(tol)s
"""
OVERLAPPING_SIBLINGS = """
SELECT a.code, b.code, ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), 4544))
FROM current_areas a
JOIN current_areas b
  ON b.parent_code = a.parent_code AND a.code < b.code AND a.geom && b.geom
WHERE ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), 4544)) > %(tol)s
"""
UNCOVERED_PARENTS = """
SELECT p.code, ST_Area(ST_Transform(ST_Difference(p.geom, ST_Union(c.geom)), 4544))
FROM current_areas p JOIN current_areas c ON c.parent_code = p.code
GROUP BY p.code, p.geom
HAVING ST_Area(ST_Transform(ST_Difference(p.geom, ST_Union(c.geom)), 4544)) > %(tol)s
"""
INCIDENTS_OUTSIDE_THEIR_GRID = """
SELECT count(*) FROM incidents i
LEFT JOIN current_areas g ON g.code = i.grid_code AND g.level = 'grid'
WHERE g.code IS NULL OR NOT ST_Contains(g.geom, i.geom)
"""
INCIDENTS_WITH_WRONG_PARENTS = """
SELECT count(*) FROM incidents i
JOIN current_areas g ON g.code = i.grid_code
JOIN current_areas c ON c.code = g.parent_code
JOIN current_areas s ON s.code = c.parent_code
WHERE i.community_code <> c.code OR i.street_code <> s.code OR i.district_code <> s.parent_code
"""


def _rows(url, conn_to, query, **params):
    conn = conn_to(url)
    with conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def test_counts_by_level(demo_db, conn_to):
    """One city, Lanzhou's eight districts, and every area above a grid has children."""
    counts = dict(
        _rows(demo_db, conn_to, "SELECT level, count(*) FROM current_areas GROUP BY level")
    )
    assert counts["city"] == 1 and counts["district"] == 8
    assert counts["district"] <= counts["street"] <= counts["community"] <= counts["grid"]
    childless = _rows(
        demo_db,
        conn_to,
        "SELECT p.code FROM current_areas p WHERE p.level <> 'grid' AND NOT EXISTS "
        "(SELECT 1 FROM current_areas c WHERE c.parent_code = p.code)",
    )
    assert childless == []


def test_children_inside_their_parent(demo_db, conn_to):
    """No child sticks out of its parent by more than the tolerance."""
    assert _rows(demo_db, conn_to, CHILDREN_OUTSIDE_PARENT, tol=AREA_TOLERANCE_M2) == []


def test_siblings_do_not_overlap(demo_db, conn_to):
    """No two siblings overlap by more than the tolerance."""
    assert _rows(demo_db, conn_to, OVERLAPPING_SIBLINGS, tol=AREA_TOLERANCE_M2) == []


def test_children_cover_their_parent(demo_db, conn_to):
    """Every parent is covered by its children, up to the tolerance."""
    assert _rows(demo_db, conn_to, UNCOVERED_PARENTS, tol=AREA_TOLERANCE_M2) == []


def test_every_incident_in_the_grid_that_contains_it(demo_db, conn_to):
    """Each stored incident's grid contains its point, and its parents' codes follow the tree."""
    assert _rows(demo_db, conn_to, "SELECT count(*) FROM incidents") == [(DEMO_INCIDENTS,)]
    assert _rows(demo_db, conn_to, INCIDENTS_OUTSIDE_THEIR_GRID) == [(0,)]
    assert _rows(demo_db, conn_to, INCIDENTS_WITH_WRONG_PARENTS) == [(0,)]


def test_every_incident_has_its_history(demo_db, conn_to):
    """Each incident has a first 'reported' event, and its last event leads to its status."""
    missing = _rows(
        demo_db,
        conn_to,
        "SELECT count(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM incident_events e "
        "WHERE e.incident_id = i.id AND e.action = 'reported')",
    )
    assert missing == [(0,)]
    mismatched = _rows(
        demo_db,
        conn_to,
        "SELECT count(*) FROM incidents i JOIN LATERAL (SELECT to_status FROM incident_events e "
        "WHERE e.incident_id = i.id ORDER BY e.at DESC, e.id DESC LIMIT 1) last ON true "
        "WHERE last.to_status <> i.status",
    )
    assert mismatched == [(0,)]
