"""The process-wide connection pool, and one unit of work on it for a page.

The signed-in user is resolved once per page run (`dashboard.auth.require`) and handed to
`connection(user)` and `scope_key(user)`: nothing here asks who is signed in (each unit of
work sends this browser's session token, which the database checks and acts for). This
module imports nothing of `dashboard.auth`, which builds on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2.extensions
import psycopg2.pool
import streamlit as st

from dashboard import session_cookie
from geo import db
from geo.auth import User
from geo.settings import get_settings, hide_password

TOKEN_KEY = "auth_token"  # this Streamlit session's token (set by a sign-in or from the cookie)
SSO_TOKEN = "auth_sso_token"  # the token of a session opened for the SSO gateway's user


def browser_cookie() -> str | None:
    """The token in this browser's HttpOnly sign-in cookie, if any."""
    value = st.context.cookies.get(session_cookie.COOKIE)
    return value if isinstance(value, str) and value else None


def session_token() -> str | None:
    """This browser's session token: from this Streamlit session, else the sign-in cookie."""
    return st.session_state.get(TOKEN_KEY) or st.session_state.get(SSO_TOKEN) or browser_cookie()


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
    with db.session_transaction(pool(), session_token() if user else None) as conn:
        yield conn


def database_label() -> str:
    """Which database this dashboard uses, password hidden."""
    return hide_password(db.app_database_url(get_settings()))
