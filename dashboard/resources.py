"""The process-wide connection pool, and one unit of work on it for a page.

The signed-in user is resolved once per page run (`dashboard.auth.require`) and handed to
`connection(user)` and `scope_key(user)`: nothing here asks who is signed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2.extensions
import psycopg2.pool
import streamlit as st

from geo import db
from geo.auth import User
from geo.settings import get_settings, hide_password


@st.cache_resource(show_spinner=False)
def pool() -> psycopg2.pool.ThreadedConnectionPool:
    """The one pool of this Streamlit process."""
    settings = get_settings()
    return db.get_pool(db.database_url(settings), settings.pool_min, settings.pool_max)


def scope_key(user: User | None) -> tuple[str, str]:
    """The area `user` may see as a cache key part: cached results never cross from one scope
    to another (nobody signed in: a key of its own, under which nothing is visible)."""
    scope = user.scope if user else None
    return ("", "") if scope is None else (scope.level, scope.code or "")


@contextmanager
def connection(user: User | None) -> Iterator[psycopg2.extensions.connection]:
    """A pooled connection for one unit of work, as the app's role in `user`'s scope.

    The database's row-level security (migration 011) shows and changes only rows inside the
    user's area; with nobody signed in (None), nothing. Operators see the reporter's phone
    and ID number of the cases their center holds; everyone else sees them masked.
    """
    center = user.center_code if user and user.role == "operator" else None
    with db.scoped_transaction(pool(), user.scope if user else None, center) as conn:
        yield conn


@contextmanager
def owner_connection() -> Iterator[psycopg2.extensions.connection]:
    """A connection as the tables' owner, outside any scope: boundary publication and rollback
    only (they rebuild indexes and move incidents across districts); the page checks the role.
    """
    with db.transaction(pool()) as conn:
        yield conn


def database_label() -> str:
    """Which database this dashboard uses, password hidden."""
    return hide_password(db.database_url(get_settings()))
