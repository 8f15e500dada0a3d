"""The process-wide connection pool, and one unit of work on it for a page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2.extensions
import psycopg2.pool
import streamlit as st

from geo import db
from geo.settings import get_settings, hide_password


@st.cache_resource(show_spinner=False)
def pool() -> psycopg2.pool.ThreadedConnectionPool:
    """The one pool of this Streamlit process."""
    settings = get_settings()
    return db.get_pool(db.database_url(settings), settings.pool_min, settings.pool_max)


@contextmanager
def connection() -> Iterator[psycopg2.extensions.connection]:
    """A pooled connection for one unit of work (commit on success, roll back on error)."""
    with db.transaction(pool()) as conn:
        yield conn


def database_label() -> str:
    """Which database this dashboard uses, password hidden."""
    return hide_password(db.database_url(get_settings()))
