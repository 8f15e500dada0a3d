"""A page's refusal of an area outside the signed-in user's scope (a forged `?area=`)."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from dashboard.auth import client_address
from dashboard.resources import connection
from geo.auth import User
from geo.auth.audit import record


def refuse_area(user: User | None, code: str, message: str) -> NoReturn:
    """Say the area lies outside the user's scope, write it to the audit log, stop the page."""
    if user is not None:
        client = client_address()
        with connection(user) as conn:
            record(conn, user.username, "access_denied", f"area:{code}", {"area": code},
                   client if isinstance(client, str) else None)  # fmt: skip
    st.error(message)
    st.stop()
