"""The sign-in form: username and password; one answer for every failure, and the waits the
database imposes on an address that keeps failing (never an account lock)."""

from __future__ import annotations

import math
import time

import streamlit as st

from dashboard.auth import client_address, notice, remember_token
from dashboard.auth_text import TABLE
from dashboard.i18n import translator
from dashboard.resources import pool
from geo import db
from geo.auth.login import sign_in
from geo.settings import get_settings


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
        result = sign_in(conn, username.strip(), password, settings, client_address())
    if result.token:
        remember_token(result.token)
        st.rerun()
    if result.reason == "wait":
        st.error(tr("wait").format(seconds=math.ceil(result.retry_after)))
        return
    time.sleep(settings.login_delay_seconds)  # after the transaction: no connection held
    st.error(tr("bad_login"))
