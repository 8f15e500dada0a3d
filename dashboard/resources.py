"""The process-wide connection pool, and one unit of work on it for a page.

The signed-in user is resolved once per page run (`dashboard.auth.require`) and handed to
`connection(user)` and `scope_key(user)`: nothing here asks who is signed in (each unit of
work sends the browser's session token, which the database checks and acts for).
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
    """The one pool of this Streamlit process: logged in as the app's role, never the owner."""
    settings = get_settings()
    return db.get_pool(db.app_database_url(settings), settings.pool_min, settings.pool_max)


def scope_key(user: User | None) -> tuple[str, str]:
    """The area `user` may see as a cache key part: cached results never cross from one scope
    to another (nobody signed in: a key of its own, under which nothing is visible)."""
    scope = user.scope if user else None
    return ("", "") if scope is None else (scope.level, scope.code or "")


@contextmanager
def connection(user: User | None) -> Iterator[psycopg2.extensions.connection]:
    """A pooled connection for one unit of work, for `user` as the database sees it.

    The database checks this browser's session and acts for its user (migration 060):
    row-level security shows and changes only rows inside the user's area; an operator sees
    the reporter's phone and ID number of the cases its center holds, everyone else masked;
    with nobody signed in (None), nothing.
    """
    from dashboard.auth import session_token  # dashboard.auth itself uses this module's pool

    with db.session_transaction(pool(), session_token() if user else None) as conn:
        yield conn


def database_label() -> str:
    """Which database this dashboard uses, password hidden."""
    return hide_password(db.app_database_url(get_settings()))
