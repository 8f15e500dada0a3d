"""Admin page: the users — list, add, disable or enable, reset a password."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.actions import Refused, acting, acting_user, show_outcome
from dashboard.auth import client_address, require
from dashboard.auth_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.resources import connection
from geo.auth import ROLES
from geo.auth.users import add_user, list_users, set_disabled, set_password

tr = translator(TABLE)
admin = require("users")
st.title(tr("users_title"))


def _state(row: object) -> str:
    return tr("state_disabled") if row.disabled else tr("state_active")


PAGE = "users"
FIELDS = ("username", "display_name", "role", "area_code", "center_code", "password")


def _refusal() -> str:
    return f"{tr('refused')}: {{reason}}"


def _add() -> None:
    """The add form's button (its callback, once): a user from the fields submitted."""
    actor = acting_user("users")
    if actor is None:
        return
    field = {name: st.session_state.get(f"users_new_{name}") or "" for name in FIELDS}
    username = field["username"].strip()
    with acting(PAGE, _refusal(), lang(), tr("added").format(name=username)):
        with connection(actor) as conn:
            add_user(
                conn, username, field["display_name"], field["role"], field["area_code"].strip(),
                field["password"], field["center_code"].strip() or None, actor.username,
                client_address(),
            )  # fmt: skip


def _set_disabled(disabled: bool) -> None:
    """停用 / 启用 (its callback, once): on the user chosen beside the buttons now."""
    actor = acting_user("users")
    chosen = st.session_state.get("users_chosen")
    if actor is None or not chosen:
        return
    done = tr("disabled_done" if disabled else "enabled_done").format(name=chosen)
    with acting(PAGE, _refusal(), lang(), done):
        if disabled and chosen == actor.username:
            raise Refused(tr("not_yourself"))
        with connection(actor) as conn:
            set_disabled(conn, chosen, disabled, actor.username, client_address())


def _reset_password() -> None:
    """The reset form's button (its callback, once): the chosen user's new password."""
    actor = acting_user("users")
    chosen = st.session_state.get("users_chosen")
    if actor is None or not chosen:
        return
    password = st.session_state.get("users_reset_password") or ""
    with acting(PAGE, _refusal(), lang(), tr("password_done").format(name=chosen)):
        with connection(actor) as conn:
            set_password(conn, chosen, password, actor.username, client_address())


with shown_errors(), connection(admin) as conn:
    rows = list_users(conn)

show_outcome(PAGE)

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
    st.text_input(tr("username"), max_chars=64, key="users_new_username")
    st.text_input(tr("display_name"), max_chars=100, key="users_new_display_name")
    st.selectbox(tr("role"), ROLES, format_func=lambda r: tr(f"role_{r}"), key="users_new_role")
    st.text_input(tr("area_code"), max_chars=40, key="users_new_area_code")
    st.text_input(tr("center_code"), max_chars=40, key="users_new_center_code")
    st.text_input(tr("password"), type="password", max_chars=256, key="users_new_password")
    st.form_submit_button(tr("add"), on_click=_add)

with right:
    chosen = st.selectbox(tr("user"), names, key="users_chosen")
    disable_col, enable_col = st.columns(2)
    disable_col.button(
        tr("disable"), disabled=chosen is None or chosen == admin.username,
        on_click=_set_disabled, args=(True,),
    )  # fmt: skip
    enable_col.button(tr("enable"), disabled=chosen is None, on_click=_set_disabled, args=(False,))
    with st.form("reset_password", clear_on_submit=True):
        st.subheader(tr("reset_password"))
        st.text_input(
            tr("new_password"), type="password", max_chars=256, key="users_reset_password"
        )
        st.form_submit_button(tr("reset_password"), on_click=_reset_password)
