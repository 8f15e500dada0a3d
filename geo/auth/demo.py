"""The demo's accounts: one per role and level, all with the documented demo password."""

from __future__ import annotations

from collections.abc import Callable

import psycopg2.extensions

from geo.auth.passwords import verify_password
from geo.auth.users import add_user, get_user

# Demo only: printed by `minqing run` and the README. Never use it for real accounts.
DEMO_PASSWORD = "minqing-demo"

_FIRST_CHILD = """
SELECT code FROM current_areas WHERE parent_code = %s ORDER BY code LIMIT 1
"""
_CITY = "SELECT code FROM current_areas WHERE level = 'city' LIMIT 1"
_CITY_CENTER = "SELECT code FROM centers WHERE level = 'city_center' ORDER BY code LIMIT 1"
_AREA_CENTER = "SELECT code FROM centers WHERE area_code = %s ORDER BY code LIMIT 1"
_DISTRICT = "SELECT code FROM current_areas WHERE code = %s AND level = 'district'"
_HASHES = "SELECT username, password_hash FROM users WHERE NOT disabled AND username = ANY (%s)"
_NEEDS_ACCOUNTS = """
SELECT NOT EXISTS (SELECT 1 FROM users)
   AND EXISTS (SELECT 1 FROM boundary_versions WHERE is_current AND created_by = 'demo')
"""


def _one(cur: psycopg2.extensions.cursor, query: str, *args: str) -> str | None:
    cur.execute(query, args)
    row = cur.fetchone()
    return row[0] if row else None


DEMO_USERNAMES = (
    "admin", "city_leader", "city_operator", "gis", "chengguan_leader", "qilihe_leader",
    "street_leader", "community_operator",
)  # fmt: skip


def demo_accounts(
    conn: psycopg2.extensions.connection,
) -> list[tuple[str, str, str, str, str | None]]:
    """(username, display name, role, area code, center code) of the demo's accounts."""
    with conn.cursor() as cur:
        city = _one(cur, _CITY)
        if city is None:
            return []
        center = _one(cur, _CITY_CENTER)
        chengguan = _one(cur, _DISTRICT, "620102")
        qilihe = _one(cur, _DISTRICT, "620103")
        street = _one(cur, _FIRST_CHILD, chengguan) if chengguan else None
        community = _one(cur, _FIRST_CHILD, street) if street else None
        workstation = _one(cur, _AREA_CENTER, community) if community else None
    accounts = [
        ("admin", "系统管理员", "admin", city, None),
        ("city_leader", "市级领导", "leader", city, None),
        ("gis", "GIS 专员", "gis_staff", city, None),
    ]
    if center:  # an operator belongs to one center: none without the centers
        accounts.insert(2, ("city_operator", "市中心受理员", "operator", city, center))
    if chengguan:
        accounts.append(("chengguan_leader", "城关区领导", "leader", chengguan, None))
    if qilihe:
        accounts.append(("qilihe_leader", "七里河区领导", "leader", qilihe, None))
    if street:
        accounts.append(("street_leader", "街道领导", "leader", street, None))
    if community and workstation:  # an operator belongs to one center: its workstation
        accounts.append(("community_operator", "社区工作站", "operator", community, workstation))
    return accounts


def ensure_demo_users(
    conn: psycopg2.extensions.connection, progress: Callable[[str], None] = lambda _: None
) -> list[str]:
    """Add the demo accounts that are missing (in the caller's transaction); their names."""
    added = []
    for username, display, role, area, center in demo_accounts(conn):
        if get_user(conn, username) is None:
            add_user(conn, username, display, role, area, DEMO_PASSWORD, center, actor="demo")
            added.append(username)
    if added:
        progress(f"demo accounts (password {DEMO_PASSWORD!r}, demo only): {', '.join(added)}")
    return added


def needs_demo_accounts(conn: psycopg2.extensions.connection) -> bool:
    """True for a database holding the demo's boundaries and no users at all (a first start)."""
    with conn.cursor() as cur:
        cur.execute(_NEEDS_ACCOUNTS)
        return bool(cur.fetchone()[0])


def accounts_with_demo_password(conn: psycopg2.extensions.connection) -> list[str]:
    """The demo accounts that still open with the demo password (to warn about at start)."""
    with conn.cursor() as cur:
        cur.execute(_HASHES, (list(DEMO_USERNAMES),))
        rows = cur.fetchall()
    return sorted(name for name, stored in rows if verify_password(DEMO_PASSWORD, stored))
