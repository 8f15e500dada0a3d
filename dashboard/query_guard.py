"""A bad `?area=` or `?period=` in a link, on any page: taken out of the URL, and said why.

The page then opens on its own default (the user's area, its default period) and the URL
shows what is on screen; a link edited by hand or cut short never sits in the address bar
while the page shows something else. An area outside the user's scope is the page's to
refuse (and audit): here only codes that name no current area.
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from dashboard.resources import connection, database_label
from geo.area_scope import area_chain
from geo.filters import PeriodError, parse_period
from geo.timeutil import now_utc

_NOTICES = "query_notices"


@st.cache_data(ttl=300, max_entries=4096, show_spinner=False)
def _chain(database: str, code: str) -> list[str]:
    """The current chain of codes from the city down to `code` (areas are public: read as
    nobody, shared by every session for five minutes)."""
    with connection(None) as conn:
        return area_chain(conn, code)


def chain_of(code: str) -> list[str]:
    """The codes from the city down to the area `code` (empty for an unknown code), without a
    transaction of the page's run once known."""
    return _chain(database_label(), code)


def _known_area(code: str) -> bool:
    return bool(chain_of(code))


def _readable_period(text: str) -> bool:
    try:
        parse_period(text, now_utc())
    except PeriodError:
        return False
    return True


def correct_query() -> None:
    """Drop an unknown area or an unreadable period from the URL; the notices wait for
    `show_notices` (the root URL switches to the first page first)."""
    notices = st.session_state.setdefault(_NOTICES, [])
    area = st.query_params.get("area")
    if area is not None and not (area and _known_area(area)):
        del st.query_params["area"]
        notices.append(("bad_area_param", area[:40]))
    period = st.query_params.get("period")
    if period is not None and not (period and _readable_period(period)):
        del st.query_params["period"]
        notices.append(("bad_period_param", period[:40]))


def show_notices() -> None:
    """Say why the URL was corrected, once, above the page."""
    for key, value in st.session_state.pop(_NOTICES, []):
        st.warning(t(key).format(value=value))
