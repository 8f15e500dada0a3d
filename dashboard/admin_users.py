"""Admin page: the users — list, add, disable or enable, reset a password."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import client_address, require
from dashboard.auth_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import translator
from dashboard.resources import connection
from geo.auth import ROLES
from geo.auth.users import add_user, list_users, set_disabled, set_password
from geo.errors import MinqingError

tr = translator(TABLE)
admin = require("users")
st.title(tr("users_title"))


def _state(row: object) -> str:
    return tr("state_disabled") if row.disabled else tr("state_active")


def _done(message: str) -> None:
    st.session_state["users_message"] = message
    st.rerun()


with shown_errors(), connection() as conn:
    rows = list_users(conn)

if message := st.session_state.pop("users_message", None):
    st.success(message)

st.dataframe(
    pd.DataFrame(
        {
            tr("col_username"): [r.user.username for r in rows],
            tr("col_name"): [r.user.display_name for r in rows],
            tr("col_role"): [tr(f"role_{r.user.role}") for r in rows],
            tr("col_level"): [tr(f"level_{r.user.area_level}") for r in rows],
            tr("col_area"): [r.user.area_code for r in rows],
            tr("col_center"): [r.user.center_code or "" for r in rows],
            tr("col_state"): [_state(r) for r in rows],
        }
    ),
    hide_index=True,
    width="stretch",
)

names = [r.user.username for r in rows]
left, right = st.columns(2)
with left, st.form("add_user", clear_on_submit=True):
    st.subheader(tr("users_add"))
    username = st.text_input(tr("username"), max_chars=64)
    display_name = st.text_input(tr("display_name"), max_chars=100)
    role = st.selectbox(tr("role"), ROLES, format_func=lambda r: tr(f"role_{r}"))
    area_code = st.text_input(tr("area_code"), max_chars=40)
    center_code = st.text_input(tr("center_code"), max_chars=40)
    password = st.text_input(tr("password"), type="password", max_chars=256)
    if st.form_submit_button(tr("add")):
        try:
            with connection() as conn:
                add_user(
                    conn, username.strip(), display_name, role, area_code.strip(), password,
                    center_code.strip() or None, admin.username, client_address(),
                )  # fmt: skip
        except MinqingError as exc:
            st.error(f"{tr('refused')}: {exc}")
        else:
            _done(tr("added").format(name=username.strip()))

with right:
    chosen = st.selectbox(tr("user"), names, key="users_chosen")
    disable_col, enable_col = st.columns(2)
    if disable_col.button(tr("disable"), disabled=chosen is None or chosen == admin.username):
        with shown_errors(), connection() as conn:
            set_disabled(conn, chosen, True, admin.username, client_address())
        _done(tr("disabled_done").format(name=chosen))
    if enable_col.button(tr("enable"), disabled=chosen is None):
        with shown_errors(), connection() as conn:
            set_disabled(conn, chosen, False, admin.username, client_address())
        _done(tr("enabled_done").format(name=chosen))
    with st.form("reset_password", clear_on_submit=True):
        st.subheader(tr("reset_password"))
        new_password = st.text_input(tr("new_password"), type="password", max_chars=256)
        if st.form_submit_button(tr("reset_password")) and chosen:
            try:
                with connection() as conn:
                    set_password(conn, chosen, new_password, admin.username, client_address())
            except MinqingError as exc:
                st.error(f"{tr('refused')}: {exc}")
            else:
                _done(tr("password_done").format(name=chosen))
