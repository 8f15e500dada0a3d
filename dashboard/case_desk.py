"""The case desk (案件工作台): a center's queue of open cases, one case opened, actions on it.

Thin over geo/workflow: the queue is sorted and paged in SQL; the actions allowed for the
case's status and the operator's center come from the transitions table, each refused one
with its reason. Residents' words are shown as plain text (never as markdown or HTML).
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from dashboard.actions import Refused, acting, acting_user, show_outcome, succeeded
from dashboard.auth import client_address, require
from dashboard.desk_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.resources import connection
from geo.auth import User
from geo.timeutil import CST, format_cst, now_utc
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
from geo.workflow.export import export_rows, queue_workbook
from geo.workflow.state import NOTE_LIMIT, Center
from geo.workflow.surroundings import Surroundings, surroundings
from geo.workflow.transitions import ANSWERS, OPEN, RESULTS, TRANSITIONS
from layers.case_map import MapCase, case_map_layers
from layers.deck import make_deck, view_for

PAGE_SIZE = 50
PAGE = "desk"
OPENED = "desk_opened"  # (case id, its label in the picker)
MAP_WIDTH, MAP_HEIGHT = 560, 420
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT = "desk_export"  # (filters it was made for, file name, bytes, rows) of the last export

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


def _queue_record(
    row: desk.QueueRow, now: datetime, names: dict[str, str] | None, major: str
) -> dict[str, object]:
    """One case of the queue as the table and the export show it."""
    return {
        t("col_id"): row.id,
        **({t("holder"): names.get(row.assigned_center or "", "")} if names else {}),
        t("col_countdown"): _countdown(row.deadline_at, now),
        t("col_major"): major if row.is_major_risk else "",
        t("col_source"): _source(row.source),
        t("col_category"): category_label(row.category, lang()),
        t("col_address"): row.address,
        t("col_status"): t("status_" + row.status),
        t("col_deadline"): format_cst(row.deadline_at),
    }


def _case_label(row: desk.QueueRow) -> str:
    return f"{row.id} · {category_label(row.category, lang())} · {row.address}"


def _queue_table(page: desk.QueuePage, now: datetime, names: dict[str, str] | None) -> None:
    """The page of the queue (with `names`, a column of the center holding each case); a click
    on a row opens its case. The table's key follows its rows and the case open, so a row
    highlighted is always the case open."""
    frame = pd.DataFrame([_queue_record(row, now, names, "●") for row in page.rows])
    ids = [row.id for row in page.rows]
    labels = {row.id: _case_label(row) for row in page.rows}
    opened = st.session_state.get(OPENED)
    current = opened[0] if opened else None
    digest = hashlib.sha1(repr((ids, current)).encode()).hexdigest()[:12]
    key = f"desk_queue_{digest}"
    st.dataframe(
        frame, hide_index=True, width="stretch", key=key,
        on_select=partial(_row_clicked, key, ids, labels), selection_mode="single-row",
        selection_default=(
            {"selection": {"rows": [ids.index(current)]}} if current in ids else None
        ),
    )  # fmt: skip
    st.caption(t("click_row"))


def _row_clicked(key: str, ids: list[int], labels: dict[int, str]) -> None:
    """A click on a row of the queue (its callback): open that row's case."""
    rows = st.session_state[key].selection.rows
    if rows and rows[0] < len(ids):
        case_id = ids[rows[0]]
        st.session_state[OPENED] = (case_id, labels[case_id])


def _export(center: Center, filters: desk.QueueFilter, names: dict[str, str]) -> None:
    """The filtered queue as an Excel workbook: made on a press, then offered for download
    while the filters stay as they were."""
    signature = repr((center.code, filters))
    left, right = st.columns([1, 3])
    left.button(
        t("export_make"), on_click=_make_export, args=(center, filters, names, signature),
        key="desk_export_make",
    )  # fmt: skip
    made = st.session_state.get(EXPORT)
    if made is not None and made[0] == signature:
        right.download_button(
            t("export_download").format(n=made[3]), made[2], file_name=made[1], mime=XLSX,
            on_click="ignore", key="desk_export_file",
        )  # fmt: skip


def _make_export(
    center: Center, filters: desk.QueueFilter, names: dict[str, str], signature: str
) -> None:
    """A press of the export button (its callback): the whole filtered queue, in the desk's
    order and language, kept for the download button."""
    user = acting_user("desk")
    if user is None:
        return
    now = now_utc()
    refusal = f"{t('refused')}：{{reason}}"
    with acting(PAGE, refusal, lang()) as outcome:
        with connection(user) as conn:
            rows, total = export_rows(conn, center.code, filters, now)
        below = names if filters.below else None
        records = [_queue_record(row, now, below, t("col_major")) for row in rows]
        title = t("export_title").format(center=center.name, at=format_cst(now))
        if total > len(rows):
            title += t("export_more").format(n=len(rows), total=total)
        headers = list(records[0]) if records else [t("col_id")]
        data = queue_workbook(title, headers, [list(r.values()) for r in records])
        name = f"queue_{center.code}_{now.astimezone(CST):%Y%m%d_%H%M}.xlsx"
        st.session_state[EXPORT] = (signature, name, data, len(rows))
        outcome.done = t("export_ready").format(n=len(rows))


def _case_map(case: desk.CaseView, around: Surroundings, now: datetime) -> None:
    """The case in its surroundings: streets, communities and grids with their names, the
    other open cases nearby (overdue in red), the case itself in magenta."""
    here = MapCase(
        case.id, case.lon, case.lat, case.status in OPEN and case.deadline_at < now,
        category_label(case.category, lang()), t("status_" + case.status),
        format_cst(case.reported_at), case.address,
    )  # fmt: skip
    nearby = [
        MapCase(
            n.id,
            n.lon,
            n.lat,
            n.overdue,
            category_label(n.category, lang()),
            t("status_" + n.status),
            format_cst(n.reported_at),
            n.address,
        )
        for n in around.nearby
    ]
    layers = case_map_layers(
        here, case.grid_code, around.grids, around.named_grids, around.communities,
        around.streets, nearby,
    )  # fmt: skip
    tooltip = {"text": "{id} · {category} · {status}\n{reported}\n{name}"}
    view = view_for(around.box, MAP_WIDTH, MAP_HEIGHT)
    st.pydeck_chart(
        make_deck(layers, view, tooltip=tooltip), height=MAP_HEIGHT, width="stretch",
        key=f"desk_map_{case.id}",
    )  # fmt: skip
    st.caption(t("map_legend").format(n=len(nearby)))


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
        actor = desk.actor_name(e, lang())
        parts = [format_cst(e.at), name, change, actor, e.center_name or e.center_code or ""]
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


def _act(case_id: int, center: Center, actions: desk.DeskActions) -> None:
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
    # Nothing chosen until the operator chooses, and nothing again after an action (`_submit`).
    action = st.radio(
        t("action"),
        [*actions.allowed, *kept],
        index=None,
        format_func={a: t("act_" + a) for a in TRANSITIONS}.__getitem__,
        horizontal=True,
        key=key,
    )
    if action is None:
        return
    transition = TRANSITIONS[action]
    choices = actions.allowed.get(action, [])
    with st.form(f"desk_form_{case_id}_{action}", clear_on_submit=True):
        if transition.target in ("lower", "same_level"):
            by_code = {c.code: c for c in choices}
            names = {code: _center_label(c) for code, c in by_code.items()}
            st.selectbox(
                t("target"), list(by_code), index=None, format_func=names.__getitem__,
                placeholder=t("target_placeholder"), key=f"desk_target_{case_id}_{action}",
            )  # fmt: skip
        elif choices:
            st.text(f"{t('goes_to')}：{_center_label(choices[0])}")
        if action == "resolve":
            if actions.case.is_major_risk:
                st.warning(t("major_resolve"))
            names = {r: t("res_" + r) for r in RESULTS}
            st.selectbox(
                t("result_pick"), list(RESULTS), index=None, format_func=names.__getitem__,
                placeholder=t("result_placeholder"), key=f"desk_result_{case_id}",
            )  # fmt: skip
        if action == "close":
            names = {a: t("ans_" + a) for a in ANSWERS}
            st.selectbox(
                t("satisfaction"), list(ANSWERS), index=None, format_func=names.__getitem__,
                placeholder=t("satisfaction_pick"), key=f"desk_answer_{case_id}",
            )  # fmt: skip
        if action == "supervise":
            st.number_input(
                t("reply_hours"), min_value=1, max_value=720, value=24, step=1,
                key=f"desk_reply_{case_id}",
            )  # fmt: skip
        note = "reason" if transition.needs_note and transition.target else "note"
        st.text_area(t(note), max_chars=NOTE_LIMIT, key=f"desk_note_{case_id}_{action}")
        if action == "resolve":
            st.checkbox(t("confirm_resolve"), key=f"desk_confirm_{case_id}")
        st.form_submit_button(
            t("act_" + action), type="primary", on_click=_submit,
            args=(case_id, action, center.code),
        )  # fmt: skip


def _submit(case_id: int, action: str, center_code: str) -> None:
    """A press of an action form's button (its callback, once): the action the button names,
    on the case and as the center the form was drawn for, with that form's fields."""
    user = acting_user("desk")
    if user is None:
        return
    fields = st.session_state
    now = now_utc()
    hours = fields.get(f"desk_reply_{case_id}") if action == "supervise" else None
    done = t("done").format(action=t("act_" + action), case=case_id)
    with acting(PAGE, f"{t('refused')}：{{reason}}", lang(), done), connection(user) as conn:
        if action == "resolve" and fields.get(f"desk_result_{case_id}") is None:
            raise Refused(t("result_required"))
        if action == "resolve" and not fields.get(f"desk_confirm_{case_id}"):
            raise Refused(t("confirm_required"))
        apply_action(
            conn, case_id, action, user.username, center_code,
            target=fields.get(f"desk_target_{case_id}_{action}"),
            result=fields.get(f"desk_result_{case_id}") if action == "resolve" else None,
            note=fields.get(f"desk_note_{case_id}_{action}") or "",
            reply_by=now + timedelta(hours=hours) if hours else None,
            satisfaction=fields.get(f"desk_answer_{case_id}") if action == "close" else None,
            now=now, client=client_address(),
        )  # fmt: skip
    if succeeded(PAGE):  # the form starts again from no action chosen
        st.session_state[f"desk_action_{case_id}"] = None


def _open_case(page: desk.QueuePage) -> int | None:
    """The case opened: picked from this page of the queue, kept open while the queue moves
    (an action or another center's queue takes it off the page)."""
    labels: dict[int | None, str] = {None: t("choose_case")}
    labels.update((row.id, _case_label(row)) for row in page.rows)
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


def _case_panel(case_id: int, center: Center, user: User, now: datetime) -> None:
    with connection(user) as conn:
        case = desk.case_view(conn, case_id)
        if case is None:
            st.warning(t("case_gone"))
            return
        events = desk.history(conn, case_id)
        linked = desk.linked_reports(conn, case_id)
        grid = desk.grid_outline(conn, case.grid_code)
        box = grid[1] if grid else None
        around = surroundings(conn, case.id, case.lon, case.lat, (case.grid_code, box), now)
        actions = desk.desk_actions(conn, case_id, center.code, now)
    kind = [category_label(case.category, lang())]
    if case.subcategory:
        kind.append(subcategory_label(case.category, case.subcategory, lang()))
    elif case.category == OTHER:  # the catch-all: the label the source gave it
        kind.append(source_label(case.source_category, case.source_subcategory))
    # The title is drawn after the case's actions: while another case opens, the title on
    # screen still names the case the buttons under it act on.
    head = st.container()
    left, right = st.columns([1, 1])
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
        _case_map(case, around, now)
    with right:
        _history(events)
        _linked(linked)
        if actions is not None:
            _act(case_id, center, actions)
    head.subheader(f"{t('case_title')} {case.id} · {' · '.join(kind)}")


def main() -> None:
    """The page."""
    user = require("desk")
    st.title(t("page_desk"))
    st.caption(t("caption"))
    with shown_errors():
        with connection(user) as conn:
            centers = desk.list_centers(conn)
            root = desk.root_center(conn)
        if not centers or root is None:
            st.info(t("no_centers"))
            return
        center = _choose_center(centers, root, user)
        if center is None:
            st.info(t("no_own_center"))
            return
        show_outcome(PAGE)
        filters = _filters()
        now = now_utc()
        number = int(st.session_state.get("desk_page", 1))
        with connection(user) as conn:
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
            names = {c.code: c.name for c in centers}
            _queue_table(page, now, names if filters.below else None)
            _export(center, filters, names)
        case_id = _open_case(page)
        if case_id is not None:
            _case_panel(case_id, center, user, now)


main()
