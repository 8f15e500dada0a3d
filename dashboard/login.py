"""The sign-in form: username and password; a fixed delay and a lockout after failures."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import client_address, notice, remember_token
from dashboard.auth_text import TABLE
from dashboard.i18n import translator
from dashboard.resources import pool
from geo import db
from geo.auth.login import sign_in
from geo.settings import get_settings
from geo.timeutil import format_cst, now_utc


def login_form() -> None:
    """The sign-in form in place of the page asked for; a success reruns into that page."""
    tr = translator(TABLE)
    st.title(tr("login_title"))
    why = notice()
    if why is not None:
        key, name = why
        st.info(tr(key).format(name=name))
    with st.form("login"):
        username = st.text_input(tr("username"), max_chars=64, key="login_username")
        password = st.text_input(
            tr("password"), type="password", max_chars=256, key="login_password"
        )
        submitted = st.form_submit_button(tr("sign_in"))
    if not submitted:
        return
    settings = get_settings()
    with db.transaction(pool()) as conn:
        result = sign_in(conn, username.strip(), password, settings, now_utc(), client_address())
    if result.token:
        remember_token(result.token)
        st.rerun()
    elif result.reason == "locked" and result.locked_until is not None:
        st.error(tr("locked").format(until=format_cst(result.locked_until)))
    else:
        st.error(tr("bad_login"))
