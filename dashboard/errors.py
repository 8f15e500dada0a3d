"""Turn failures into one clear message on the page, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import streamlit as st

from dashboard.i18n import t
from geo.errors import MinqingError
from geo.settings import hide_password


@contextmanager
def shown_errors() -> Iterator[None]:
    """Show the project's and the driver's errors as one message and stop the page."""
    try:
        yield
    except MinqingError as exc:
        st.error(f"{t('db_error')}: {exc}")
        st.stop()
    except psycopg2.Error as exc:
        first = (exc.pgerror or str(exc)).strip().splitlines()
        st.error(f"{t('db_error')}: {hide_password(first[0]) if first else type(exc).__name__}")
        st.stop()
