"""Notices every page shows: unfinished data an interrupted load left; for an admin, which
database this is."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t
from dashboard.resources import connection, database_label
from geo.auth import User
from geo.deferred import pending_count


@st.cache_data(ttl=15, show_spinner=False)
def _pending(_user: User) -> int:
    with connection(_user) as conn:
        return pending_count(conn)


def pending_work_notice(user: User) -> None:
    """Say so while an interrupted seed's deferred work (indexes, rollup recount) waits for
    `migrate`: until then counts read from the rollups are wrong (issue 14)."""
    pending = _pending(user)
    if pending:
        st.warning(t("deferred_pending").format(n=pending))


def database_notice(user: User) -> None:
    """Which database the dashboard reads (password hidden), at the foot of the menu: for an
    admin only, nobody else needs the address."""
    if user.role == "admin":
        st.sidebar.caption(f"{t('db_in_use')}: {database_label()}")
