"""Admin page: the users — list, add (area from the tree, center from a list), change the role,
disable or enable, reset a password."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import client_address, require
from dashboard.auth_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import translator
from dashboard.resources import connection
from dashboard.widgets.area_picker import area_picker
from geo.auth import ROLES
from geo.auth.users import (
    CenterChoice,
    add_user,
    centers_serving,
    list_users,
    set_disabled,
    set_password,
    set_role,
)
from geo.drill.queries import ChildArea, children
from geo.errors import MinqingError
from geo.settings import get_settings

tr = translator(TABLE)
admin = require("users")
st.title(tr("users_title"))
_ADD_FIELDS = ("add_username", "add_display_name", "add_password")


def _state(row: object) -> str:
    return tr("state_disabled") if row.disabled else tr("state_active")


def _done(message: str, *cleared: str) -> None:
    st.session_state["users_message"] = message
    for key in cleared:
        st.session_state.pop(key, None)
    st.rerun()


def _children(code: str) -> list[ChildArea]:
    with connection() as conn:
        return children(conn, code)


def _centers(area_code: str) -> list[CenterChoice]:
    with connection() as conn:
        return centers_serving(conn, area_code)


def _center_select(area_code: str, key: str, current: str | None = None) -> str | None:
    """A center serving the area (or none): its name and level, not its code, to choose by."""
    found = {c.code: c for c in _centers(area_code)}
    options = ["", *found]
    return (
        st.selectbox(
            tr("center"),
            options,
            index=options.index(current) if current in options else 0,
            format_func=lambda c: (
                f"{found[c].name} · {tr('center_level_' + found[c].level)}"
                if c
                else tr("center_none")
            ),
            key=key,
        )
        or None
    )


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
            tr("col_area"): [f"{r.area_name or '?'} · {r.user.area_code}" for r in rows],
            tr("col_center"): [r.center_name or r.user.center_code or "" for r in rows],
            tr("col_state"): [_state(r) for r in rows],
        }
    ),
    hide_index=True,
    width="stretch",
)

by_name = {r.user.username: r.user for r in rows}
left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader(tr("users_add"))
    username = st.text_input(tr("username"), max_chars=64, key="add_username")
    display_name = st.text_input(tr("display_name"), max_chars=100, key="add_display_name")
    role = st.selectbox(tr("role"), ROLES, format_func=lambda r: tr(f"role_{r}"), key="add_role")
    st.caption(tr("area_pick"))
    with shown_errors():
        area_code = area_picker(_children, get_settings().city_code, tr, "add_area")
        center_code = _center_select(area_code, f"add_center_{area_code}")
    password = st.text_input(tr("password"), type="password", max_chars=256, key="add_password")
    if st.button(tr("add"), key="add_user", type="primary"):
        try:
            with connection() as conn:
                add_user(
                    conn, username.strip(), display_name, role, area_code, password,
                    center_code, admin.username, client_address(),
                )  # fmt: skip
        except MinqingError as exc:
            st.error(f"{tr('refused')}: {exc}")
        else:
            _done(tr("added").format(name=username.strip()), *_ADD_FIELDS)

with right:
    chosen = st.selectbox(tr("user"), list(by_name), key="users_chosen")
    disable_col, enable_col = st.columns(2)
    if disable_col.button(tr("disable"), disabled=chosen is None or chosen == admin.username):
        with shown_errors(), connection() as conn:
            set_disabled(conn, chosen, True, admin.username, client_address())
        _done(tr("disabled_done").format(name=chosen))
    if enable_col.button(tr("enable"), disabled=chosen is None):
        with shown_errors(), connection() as conn:
            set_disabled(conn, chosen, False, admin.username, client_address())
        _done(tr("enabled_done").format(name=chosen))
    if chosen is not None:
        user = by_name[chosen]
        with st.container(border=True):
            st.subheader(tr("change_role"))
            new_role = st.selectbox(
                tr("role"),
                ROLES,
                index=ROLES.index(user.role),
                format_func=lambda r: tr(f"role_{r}"),
                key=f"role_of_{chosen}",
            )
            with shown_errors():
                new_center = _center_select(user.area_code, f"center_of_{chosen}", user.center_code)
            if st.button(tr("change_role"), key="set_role"):
                try:
                    with connection() as conn:
                        set_role(
                            conn, chosen, new_role, new_center, admin.username, client_address()
                        )
                except MinqingError as exc:
                    st.error(f"{tr('refused')}: {exc}")
                else:
                    _done(tr("role_done").format(name=chosen, role=tr(f"role_{new_role}")))
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
