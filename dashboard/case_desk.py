"""The case desk (案件工作台): a center's queue of open cases, one case opened, actions on it.

Thin over geo/workflow: the queue is sorted and paged in SQL; the actions allowed for the
case's status and the operator's center come from the transitions table, each refused one
with its reason. Residents' words are shown as plain text (never as markdown or HTML).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.auth import client_address, require
from dashboard.desk_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.resources import connection
from geo.auth import User
from geo.bounds import LngLatBbox
from geo.queries.areas import AreaOutline
from geo.timeutil import format_cst, now_utc
from geo.vocabulary import (
    CATEGORIES,
    OTHER,
    SOURCES,
    category_label,
    source_label,
    subcategory_label,
)
from geo.workflow import desk
from geo.workflow.actions import apply_action
from geo.workflow.messages import WorkflowRefused
from geo.workflow.state import NOTE_LIMIT, Center
from geo.workflow.transitions import ANSWERS, OPEN, RESULTS, TRANSITIONS
from layers.boundaries import outline_layer, outlines_geojson
from layers.deck import make_deck, view_for
from layers.drill import CasePoint, cases_layer

PAGE_SIZE = 50
MAP_SPAN_DEG = 0.01  # the case's map shows about a kilometre around it
FLASH = "desk_flash"
OPENED = "desk_opened"  # (case id, its label in the picker)
GRID_LINE = [40, 90, 160, 255]

t = translator(TABLE)


def _center_label(center: Center) -> str:
    return f"{center.name} · {t('level_' + center.level)}"


def _source(code: str) -> str:
    label = SOURCES.get(code)
    return (label.zh if lang() == "zh" else label.en) if label else code


def _countdown(deadline: datetime, now: datetime) -> str:
    left = desk.countdown(deadline, now)
    key = "overdue_by" if left.overdue else "left"
    return t(key).format(d=left.days, h=left.hours, m=left.minutes)


def _choose_center(centers: list[Center], root: str, user: User) -> Center | None:
    """The center the user acts as: an operator only its own (None when its account has none
    it can see); an admin chooses any (the city center first)."""
    by_code = {c.code: c for c in centers}
    if user.role != "admin":
        own = by_code.get(user.center_code or "")
        if own is not None:
            st.sidebar.text(f"{t('center')}：{_center_label(own)}")
        return own
    codes = list(by_code)
    code = st.sidebar.selectbox(
        t("center"),
        codes,
        index=codes.index(root),
        format_func={code: _center_label(c) for code, c in by_code.items()}.__getitem__,
        key="desk_center",
    )
    return by_code[code]


def _filters() -> desk.QueueFilter:
    below = st.radio(
        t("queue"), [False, True], format_func={False: t("own"), True: t("below")}.__getitem__,
        horizontal=True, key="desk_below",
    )  # fmt: skip
    columns = st.columns([2, 2, 1, 3])
    statuses = columns[0].multiselect(
        t("filter_status"),
        list(OPEN),
        format_func={s: t("status_" + s) for s in OPEN}.__getitem__,
        placeholder=t("all"),
        select_all=False,
        key="desk_status",
    )
    categories = [None, *CATEGORIES]
    category = columns[1].selectbox(
        t("filter_category"),
        categories,
        format_func={
            c: t("all") if c is None else category_label(c, lang()) for c in categories
        }.get,
        key="desk_category",
    )
    overdue = columns[2].checkbox(t("filter_overdue"), key="desk_overdue")
    text = columns[3].text_input(t("filter_text"), max_chars=100, key="desk_text")
    return desk.QueueFilter(tuple(statuses), category, overdue, text, below)


def _queue_table(page: desk.QueuePage, now: datetime, names: dict[str, str] | None) -> None:
    """The page of the queue; with `names`, a column of the center holding each case."""
    frame = pd.DataFrame(
        [
            {
                t("col_id"): row.id,
                **({t("holder"): names.get(row.assigned_center or "", "")} if names else {}),
                t("col_countdown"): _countdown(row.deadline_at, now),
                t("col_major"): "●" if row.is_major_risk else "",
                t("col_source"): _source(row.source),
                t("col_category"): category_label(row.category, lang()),
                t("col_address"): row.address,
                t("col_status"): t("status_" + row.status),
                t("col_deadline"): format_cst(row.deadline_at),
            }
            for row in page.rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="desk_queue")


def _case_map(
    case: desk.CaseView, grid: tuple[AreaOutline, LngLatBbox] | None, now: datetime
) -> None:
    """The case's point in its small grid (the grid's box, or about a kilometre around)."""
    overdue = case.status in OPEN and case.deadline_at < now
    state = "overdue" if overdue else "open" if case.status in OPEN else "closed"
    point = CasePoint(
        case.id, case.lon, case.lat, state, category_label(case.category, lang()),
        t("status_" + case.status), format_cst(case.reported_at), case.address,
    )  # fmt: skip
    layers = [cases_layer([point])]
    half = MAP_SPAN_DEG / 2
    box = LngLatBbox(case.lon - half, case.lat - half, case.lon + half, case.lat + half)
    if grid is not None:
        outline, box = grid
        layers.insert(0, outline_layer("grid", outlines_geojson([outline]), GRID_LINE, 2.0))
    st.pydeck_chart(make_deck(layers, view_for(box, 420, 300)), height=300, width="stretch")


def _history(events: list[desk.Event]) -> None:
    """The case's timeline, one plain-text line per event (notes are shown as typed)."""
    st.markdown(f"**{t('history')}**")
    lines = []
    for e in events:
        change = (
            f"{t('status_' + e.from_status)} → {t('status_' + e.to_status)}"
            if e.from_status and e.from_status != e.to_status
            else t("status_" + e.to_status)
        )
        name = t("event_" + e.action) if "event_" + e.action in TABLE else e.action
        parts = [format_cst(e.at), name, change, e.actor, e.center_name or ""]
        if e.detail.get("reply_by"):
            reply_by = datetime.fromisoformat(e.detail["reply_by"])
            parts.append(t("reply_by").format(at=format_cst(reply_by)))
        if e.satisfaction:
            parts.append(f"{t('satisfaction')}：{t('ans_' + e.satisfaction)}")
        lines.append(" · ".join(p for p in parts if p) + (f"：{e.note}" if e.note else ""))
    st.text("\n".join(lines) if lines else "-")


def _linked(reports: list[desk.LinkedReport]) -> None:
    st.markdown(f"**{t('linked')}**")
    if not reports:
        st.caption(t("no_linked"))
        return
    frame = pd.DataFrame(
        [
            {
                t("col_source"): _source(r.source),
                t("reported_at"): format_cst(r.reported_at),
                t("col_address"): r.address,
                t("description"): r.description,
                t("col_distance"): round(r.distance_m),
            }
            for r in reports
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="desk_linked")


def _act(case_id: int, center: Center, operator: str, actions: desk.DeskActions) -> None:
    """The action form: allowed actions to choose from, the refused ones with their reason."""
    st.markdown(f"**{t('act')}**")
    if actions.refused:
        with st.expander(t("unavailable")):
            for action, reason in actions.refused.items():
                st.text(f"{t('act_' + action)}：{reason.text(lang())}")
    key = f"desk_action_{case_id}"
    chosen = st.session_state.get(key)
    # An action chosen before the case moved on stays, so its submission gets its refusal.
    kept = [chosen] if chosen in actions.refused else []
    if not actions.allowed and not kept:
        st.info(t("no_action"))
        return
    action = st.radio(
        t("action"),
        [*actions.allowed, *kept],
        format_func={a: t("act_" + a) for a in TRANSITIONS}.__getitem__,
        horizontal=True,
        key=key,
    )
    transition = TRANSITIONS[action]
    choices = actions.allowed.get(action, [])
    with st.form(f"desk_form_{case_id}_{action}", clear_on_submit=True):
        target = None
        if transition.target in ("lower", "same_level"):
            by_code = {c.code: c for c in choices}
            names = {code: _center_label(c) for code, c in by_code.items()}
            target = st.selectbox(
                t("target"), list(by_code), format_func=names.__getitem__,
                key=f"desk_target_{case_id}_{action}",
            )  # fmt: skip
        elif choices:
            st.text(f"{t('goes_to')}：{_center_label(choices[0])}")
        result = None
        if action == "resolve":
            names = {r: t("res_" + r) for r in RESULTS}
            result = st.selectbox(
                t("result_pick"), list(RESULTS), format_func=names.__getitem__,
                key=f"desk_result_{case_id}",
            )  # fmt: skip
        satisfaction = None
        if action == "close":
            names = {a: t("ans_" + a) for a in ANSWERS}
            satisfaction = st.selectbox(
                t("satisfaction"), list(ANSWERS), index=None, format_func=names.__getitem__,
                placeholder=t("satisfaction_pick"), key=f"desk_answer_{case_id}",
            )  # fmt: skip
        reply_hours = None
        if action == "supervise":
            reply_hours = st.number_input(
                t("reply_hours"), min_value=1, max_value=720, value=24, step=1,
                key=f"desk_reply_{case_id}",
            )  # fmt: skip
        note = st.text_area(t("note"), max_chars=NOTE_LIMIT, key=f"desk_note_{case_id}_{action}")
        submitted = st.form_submit_button(t("act_" + action), type="primary")
    if submitted:
        now = now_utc()
        reply_by = now + timedelta(hours=reply_hours) if reply_hours else None
        try:
            with connection() as conn:
                apply_action(
                    conn, case_id, action, operator, center.code, target=target, result=result,
                    note=note, reply_by=reply_by, satisfaction=satisfaction, now=now,
                    client=client_address(),
                )  # fmt: skip
        except WorkflowRefused as refused:
            st.error(f"{t('refused')}：{refused.text(lang())}")
            return
        st.session_state[FLASH] = t("done").format(action=t("act_" + action), case=case_id)
        st.rerun()


def _open_case(page: desk.QueuePage) -> int | None:
    """The case opened: picked from this page of the queue, kept open while the queue moves
    (an action or another center's queue takes it off the page)."""
    labels: dict[int | None, str] = {None: t("choose_case")}
    labels.update(
        (row.id, f"{row.id} · {category_label(row.category, lang())} · {row.address}")
        for row in page.rows
    )
    opened = st.session_state.get(OPENED)
    if opened is not None and opened[0] not in labels:
        labels = {None: labels.pop(None), opened[0]: opened[1], **labels}
    options = list(labels)
    current = opened[0] if opened else None
    # No key: when the options change the box starts again from the case kept open.
    picked = st.selectbox(
        t("open_case"), options, index=options.index(current), format_func=labels.__getitem__
    )
    if picked != current:
        st.session_state[OPENED] = None if picked is None else (picked, labels[picked])
    return picked


def _case_panel(case_id: int, center: Center, operator: str, now: datetime) -> None:
    with connection() as conn:
        case = desk.case_view(conn, case_id)
        if case is None:
            st.warning(t("case_gone"))
            return
        events = desk.history(conn, case_id)
        linked = desk.linked_reports(conn, case_id)
        grid = desk.grid_outline(conn, case.grid_code)
        actions = desk.desk_actions(conn, case_id, center.code, now)
    kind = [category_label(case.category, lang())]
    if case.subcategory:
        kind.append(subcategory_label(case.category, case.subcategory, lang()))
    elif case.category == OTHER:  # the catch-all: the label the source gave it
        kind.append(source_label(case.source_category, case.source_subcategory))
    st.subheader(f"{t('case_title')} {case.id} · {' · '.join(kind)}")
    left, right = st.columns([2, 3])
    with left:
        holder = case.center_name or t("unrouted")
        lines = [
            f"{t('col_status')}：{t('status_' + case.status)}"
            + (f" · {t('col_major')}" if case.is_major_risk else ""),
            f"{t('col_source')}：{_source(case.source)}",
            f"{t('reported_at')}：{format_cst(case.reported_at)}",
            f"{t('col_deadline')}：{format_cst(case.deadline_at)}"
            + (f" · {_countdown(case.deadline_at, now)}" if case.status in OPEN else ""),
            f"{t('holder')}：{holder}",
            f"{t('escalations')}：{case.escalations}",
            f"{t('col_address')}：{case.address}",
            f"{t('description')}：{case.description}",
        ]
        if case.result:
            lines.insert(1, f"{t('result')}：{t('res_' + case.result)}")
        st.text("\n".join(lines))
        _case_map(case, grid, now)
    with right:
        _history(events)
        _linked(linked)
        if actions is not None:
            _act(case_id, center, operator, actions)


def main() -> None:
    """The page."""
    user = require("desk")
    st.title(t("page_desk"))
    st.caption(t("caption"))
    with shown_errors():
        with connection() as conn:
            centers = desk.list_centers(conn)
            root = desk.root_center(conn)
        if not centers or root is None:
            st.info(t("no_centers"))
            return
        center = _choose_center(centers, root, user)
        if center is None:
            st.info(t("no_own_center"))
            return
        operator = user.username
        if FLASH in st.session_state:
            st.success(st.session_state.pop(FLASH))
        filters = _filters()
        now = now_utc()
        number = int(st.session_state.get("desk_page", 1))
        with connection() as conn:
            page = desk.queue(conn, center.code, filters, now, PAGE_SIZE, (number - 1) * PAGE_SIZE)
            pages = max(1, math.ceil(page.total / PAGE_SIZE))
            if number > pages:  # the filters shrank the queue under the page asked for
                number = pages
                page = desk.queue(
                    conn, center.code, filters, now, PAGE_SIZE, (number - 1) * PAGE_SIZE
                )
        figures = st.columns(4)
        figures[0].metric(t("kpi_open"), f"{page.total:,}")
        figures[1].metric(t("kpi_overdue"), f"{page.overdue:,}")
        figures[2].metric(t("kpi_major"), f"{page.major:,}")
        figures[3].number_input(
            f"{t('page_no')} ({t('of_pages').format(n=pages)})", min_value=1, step=1,
            key="desk_page",
        )  # fmt: skip
        if not page.rows:
            st.info(t("queue_empty"))
        else:
            names = {c.code: c.name for c in centers} if filters.below else None
            _queue_table(page, now, names)
        case_id = _open_case(page)
        if case_id is not None:
            _case_panel(case_id, center, operator, now)


main()
