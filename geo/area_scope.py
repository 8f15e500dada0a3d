"""Whether an area lies inside a user's scope (the check a page makes on `?area=`)."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg2.extensions

from geo.filters import Scope
from geo.sqlfiles import load_sql


def area_chain(conn: psycopg2.extensions.connection, code: str) -> list[str]:
    """The codes from the city down to the area (inclusive); empty for an unknown code."""
    with conn.cursor() as cur:
        cur.execute(load_sql("drill_ancestors"), {"code": code})
        return [row[0] for row in cur.fetchall()]


def chain_in_scope(chain: Sequence[str], scope: Scope | None) -> bool:
    """True when an area, given by its chain of codes from the city down, lies in the scope."""
    if scope is None:
        return False
    return scope.level == "city" or scope.code in chain
