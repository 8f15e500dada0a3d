"""预警单 · early warnings: the list (filtered by status and kind), one warning's figures and
history, and the actions on it (acknowledge, assign to a center, close).

Thin over geo/warnings: the rules, the scan and the status changes live there; a refused
change is shown as one message. Addresses are shown as plain text, never as markdown.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.actions import acting, acting_user, show_outcome
from dashboard.auth import client_address, require
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.resources import connection
from dashboard.warnings_text import TABLE
from geo.auth import User
from geo.drill import queries as drill
from geo.settings import get_settings
from geo.timeutil import format_cst
from geo.warnings import acknowledge, assign, close
from geo.warnings.actions import allowed_actions
from geo.warnings.queries import (
    ACTIVE,
    EarlyWarning,
    centers_for,
    last_scan_at,
    list_warnings,
    warning_history,
)
from geo.warnings.rules import KINDS, load_rules
from layers.deck import configured_basemap, make_deck, view_for
from layers.warnings import outlines_bbox, warning_map_layers, warning_reason

t = translator(TABLE)
STATUSES = (*ACTIVE, "closed")
PAGE = "warnings"
LIMIT = 500
MAP_WIDTH_PX, MAP_HEIGHT_PX = 700, 340


def _filters() -> tuple[list[str], list[str]]:
    """Statuses (default: not closed) and kinds (default: all) to list."""
    cols = st.columns(2)
    statuses = cols[0].multiselect(
        t("warn_filter_status"), STATUSES, default=list(ACTIVE),
        format_func=lambda s: t("warn_status_" + s), key="warn_statuses",
        placeholder=t("warn_all"), select_all=False,
    )  # fmt: skip
    kinds = cols[1].multiselect(
        t("warn_filter_kind"), KINDS, default=[],
        format_func=lambda k: t("warn_kind_" + k), key="warn_kinds",
        placeholder=t("warn_all"), select_all=False,
    )  # fmt: skip
    return statuses, kinds


def _table(found: list[EarlyWarning], last_scan: datetime | None, language: str) -> None:
    """The warnings, newest first."""
    rules = load_rules()
    rows = [
        {
            t("col_id"): w.id,
            t("col_kind"): t("warn_kind_" + w.kind),
            t("col_status"): t("warn_status_" + w.status),
            t("col_area"): w.path_text(),
            t("col_reason"): warning_reason(w, rules, language),
            t("col_detected"): format_cst(w.detected_at),
            t("col_met"): t("yes") if w.still_met(last_scan) else t("no"),
            t("col_center"): w.assigned_center or "",
        }
        for w in found
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=360)


def _act(action: str, warning_id: int) -> None:
    """A press of 签收, 交办 or 关闭 (its callback, once): on the warning the button was
    drawn for, with the note and center typed and chosen beside it."""
    user = acting_user("warnings")
    if user is None:
        return
    note = st.session_state.get(f"warn_note_{warning_id}") or ""
    center = st.session_state.get(f"warn_center_{warning_id}") or ""
    done = t("warn_done").format(id=warning_id, action=t("warn_" + action))
    refusal = f"{t('warn_refused')}: {{reason}}"
    with acting(PAGE, refusal, lang(), done), connection(user) as conn:
        where = client_address()
        if action == "acknowledge":
            acknowledge(conn, warning_id, user.username, note, client=where)
        elif action == "assign":
            assign(conn, warning_id, center, user.username, note, client=where)
        else:
            close(conn, warning_id, user.username, note, client=where)


def _detail(warning: EarlyWarning, user: User, language: str) -> None:
    """One warning: its path and reason, figures, the actions its status allows, history,
    and its small map.

    Its title is drawn last: while a choice of another warning reruns the page, the title
    still names the warning the buttons under it act on.
    """
    with shown_errors(), connection(user) as conn:
        history = warning_history(conn, warning.id)
        centers = centers_for(conn, warning)
    head = st.container()
    allowed = allowed_actions(warning.status)
    if allowed:
        st.text_input(t("warn_note"), key=f"warn_note_{warning.id}", max_chars=500)
        names = dict(centers)
        st.selectbox(
            t("warn_center"), list(names), format_func=lambda c: f"{names[c]} ({c})",
            key=f"warn_center_{warning.id}", disabled="assign" not in allowed,
        )  # fmt: skip
        row = st.container(horizontal=True)
        for action in ("acknowledge", "assign", "close"):
            row.button(
                t("warn_" + action), key=f"warn_{action}_{warning.id}",
                disabled=action not in allowed, on_click=_act, args=(action, warning.id),
            )  # fmt: skip
    st.caption(t("warn_history"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("col_at"): format_cst(e.at),
                    t("col_action"): t("action_" + e.action),
                    t("col_status"): t("warn_status_" + e.to_status),
                    t("col_actor"): e.actor,
                    t("col_center"): e.center_code or "",
                    t("col_note"): e.note,
                }
                for e in history
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    _map(warning, language, user)  # below the buttons: its drawing never moves them
    head.subheader(
        f"#{warning.id} · {t('warn_kind_' + warning.kind)} · {t('warn_status_' + warning.status)}"
    )
    head.text(f"{warning.path_text()}\n{warning_reason(warning, load_rules(), language)}")
    with head.expander(t("warn_figures")):
        st.json(warning.figures)


def _map(warning: EarlyWarning, language: str, user: User) -> None:
    """A small map of the warning: its area among its neighbours, named, and its marker."""
    parent = warning.parent_code
    with shown_errors(), connection(user) as conn:
        if parent:
            neighbours = drill.child_outlines(conn, parent)
            frame = drill.child_outlines(conn, parent, itself=True)
        else:
            neighbours = frame = drill.child_outlines(conn, warning.area_code, itself=True)
    box = outlines_bbox(frame or neighbours)
    if box is None:
        return
    view = view_for(box, MAP_WIDTH_PX, MAP_HEIGHT_PX)
    layers = warning_map_layers(warning, neighbours, frame, load_rules(), t, language, view.zoom)
    settings = get_settings()
    basemap = configured_basemap(settings.basemap_url, settings.basemap_attribution)
    tooltip = {"html": "<b>{title}</b><div>{body}</div>", "style": {"whiteSpace": "pre-line"}}
    st.pydeck_chart(
        make_deck(layers, view, tooltip, basemap),
        height=MAP_HEIGHT_PX,
        width="stretch",
        key="warn_map",  # stays mounted from one warning to the next
    )


def render() -> None:
    """Draw the page."""
    user = require("warnings")
    language = lang()
    st.title(f"{t('app_title')} · {t('page_warnings')}")
    show_outcome(PAGE)
    statuses, kinds = _filters()
    area = None if user.area_level == "city" else user.area_code
    with shown_errors(), connection(user) as conn:
        last_scan = last_scan_at(conn)
        found = list_warnings(conn, statuses, kinds, area, LIMIT) if statuses else []
    st.caption(
        t("warn_last_scan").format(time=format_cst(last_scan))
        if last_scan
        else t("warn_never_scanned")
    )
    if not found:
        st.info(t("warn_none"))
        return
    st.caption(t("warn_count").format(n=len(found)))
    _table(found, last_scan, language)
    by_id = {w.id: w for w in found}
    picked = st.selectbox(
        t("warn_pick"), list(by_id), key="warn_pick",
        format_func=lambda i: f"#{i} · {t('warn_kind_' + by_id[i].kind)} · {by_id[i].path_text()}",
    )  # fmt: skip
    _detail(by_id[picked], user, language)


render()
