"""Admin page: the users — list, add (area from the tree, center from a list), change the role,
disable or enable, reset a password."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard.actions import Refused, acting, acting_user, show_outcome
from dashboard.auth import client_address, require
from dashboard.auth_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.resources import connection
from dashboard.widgets.area_picker import area_picker
from geo.auth import ROLES, User
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
from geo.settings import get_settings

tr = translator(TABLE)
admin = require("users")
st.title(tr("users_title"))
PAGE = "users"
_ADD_FIELDS = ("add_username", "add_display_name", "add_password")


def _state(row: object) -> str:
    return tr("state_disabled") if row.disabled else tr("state_active")


def _refusal() -> str:
    return f"{tr('refused')}: {{reason}}"


def _add(area_code: str) -> None:
    """新增 (its callback, once): a user from the fields as they are now, in the area the
    picker showed beside the button; the fields emptied when it is added."""
    actor = acting_user("users")
    if actor is None:
        return
    field = st.session_state
    username = (field.get("add_username") or "").strip()
    with acting(PAGE, _refusal(), lang(), tr("added").format(name=username)):
        with connection(actor) as conn:
            add_user(
                conn, username, field.get("add_display_name") or "", field.get("add_role"),
                area_code, field.get("add_password") or "",
                field.get(f"add_center_{area_code}") or None, actor.username, client_address(),
            )  # fmt: skip
        for key in _ADD_FIELDS:
            field[key] = ""


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


def _set_role(chosen: str) -> None:
    """改角色 (its callback, once): the role and center chosen for the user it was drawn for."""
    actor = acting_user("users")
    if actor is None:
        return
    role = st.session_state.get(f"role_of_{chosen}")
    center = st.session_state.get(f"center_of_{chosen}") or None
    done = tr("role_done").format(name=chosen, role=tr(f"role_{role}"))
    with acting(PAGE, _refusal(), lang(), done), connection(actor) as conn:
        set_role(conn, chosen, role, center, actor.username, client_address())


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


def _children(user: User, code: str) -> list[ChildArea]:
    with connection(user) as conn:
        return children(conn, code)


def _centers(user: User, area_code: str) -> list[CenterChoice]:
    with connection(user) as conn:
        return centers_serving(conn, area_code)


def _center_select(area_code: str, key: str, current: str | None = None) -> str | None:
    """A center serving the area (or none): its name and level, not its code, to choose by."""
    found = {c.code: c for c in _centers(admin, area_code)}
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
with left, st.container(border=True, key="users_add"):
    st.subheader(tr("users_add"))
    st.text_input(tr("username"), max_chars=64, key="add_username")
    st.text_input(tr("display_name"), max_chars=100, key="add_display_name")
    st.selectbox(tr("role"), ROLES, format_func=lambda r: tr(f"role_{r}"), key="add_role")
    st.caption(tr("area_pick"))
    with shown_errors():
        children_of = partial(_children, admin)
        area_code = area_picker(children_of, get_settings().city_code, tr, "add_area")
        _center_select(area_code, f"add_center_{area_code}")
    st.text_input(tr("password"), type="password", max_chars=256, key="add_password")
    st.button(tr("add"), key="add_user", type="primary", on_click=_add, args=(area_code,))

with right:
    chosen = st.selectbox(tr("user"), list(by_name), key="users_chosen")
    disable_col, enable_col = st.columns(2)
    disable_col.button(
        tr("disable"), disabled=chosen is None or chosen == admin.username,
        on_click=_set_disabled, args=(True,),
    )  # fmt: skip
    enable_col.button(tr("enable"), disabled=chosen is None, on_click=_set_disabled, args=(False,))
    if chosen is not None:
        user = by_name[chosen]
        with st.container(border=True, key="users_role"):
            st.subheader(tr("change_role"))
            st.selectbox(
                tr("role"),
                ROLES,
                index=ROLES.index(user.role),
                format_func=lambda r: tr(f"role_{r}"),
                key=f"role_of_{chosen}",
            )
            with shown_errors():
                _center_select(user.area_code, f"center_of_{chosen}", user.center_code)
            st.button(tr("change_role"), key="set_role", on_click=_set_role, args=(chosen,))
    with st.form("reset_password", clear_on_submit=True):
        st.subheader(tr("reset_password"))
        st.text_input(
            tr("new_password"), type="password", max_chars=256, key="users_reset_password"
        )
        st.form_submit_button(tr("reset_password"), on_click=_reset_password)
