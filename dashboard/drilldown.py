"""Drill-down for leaders: city → district → street → community → grid, index and report.

The area and the period live in the URL (`?area=CODE&period=2026-10`): a link reopens the same
view, and each drill step pushes a browser history entry, so the back button walks the
breadcrumb back up.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

import pandas as pd
import streamlit as st
from psycopg2.pool import ThreadedConnectionPool

from dashboard.auth import require
from dashboard.drill_text import TABLE
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.judgement import judgement_tabs
from dashboard.query_guard import chain_of
from dashboard.resources import connection, database_label, pool, scope_key, session_token
from dashboard.scope_guard import refuse_area
from dashboard.widgets.charts import cached_chart
from dashboard.widgets.kpi_strip import Figure, kpi_strip
from dashboard.widgets.map_panel import Picked, legends, map_panel
from geo import db, vocabulary
from geo.area_scope import chain_in_scope
from geo.auth import User
from geo.drill import queries as drill
from geo.drill.formats import (
    band_text,
    change_text,
    hours_text,
    index_change,
    marked_index,
    share_text,
)
from geo.drill.periods import period_choices
from geo.drill.safety_index import load_rules
from geo.drill.step import AreaNotFound, DrillStep, default_period, drill_step
from geo.filters import IncidentFilter, Period, PeriodError, parse_period
from geo.queries.areas import AreaOutline
from geo.reports.content import ReportContent
from geo.reports.write import report_bytes, report_content
from geo.settings import get_settings
from geo.timeutil import format_cst, now_utc
from geo.vocabulary import INDEX_DECIMALS, SOURCES, category_label
from layers.charts import bar_chart, contribution_chart, trend_chart
from layers.colors import INDEX_BAR
from layers.deck import configured_basemap, make_deck, pixel_degrees, view_for
from layers.drill import (
    CASE_COLOURS,
    CHILDREN_LAYER,
    MAP_HEIGHT_PX,
    MAP_WIDTH_PX,
    CasePoint,
    cases_layer,
    children_layers,
    index_colour,
)
from layers.legend import Legend, LegendItem

t = translator(TABLE)
MAP_KEY = "drill-map"  # one key for every step: the map stays mounted while the area changes
# the ranking shows up to this many children without scrolling (the sparse ones come last)
RANKING_ROWS, RANKING_ROW_PX = 30, 35
Drawn = tuple[str | None, str | None]  # the URL's area and period a widget was drawn at


def _level(level: str) -> str:
    words = vocabulary.AREA_LEVELS if level in vocabulary.AREA_LEVELS else vocabulary.CENTER_LEVELS
    return vocabulary.name(words, level, lang())


def _mark(code: str) -> str:
    return vocabulary.name(vocabulary.INDEX_MARKS, code, lang())


def _source(code: str) -> str:
    label = SOURCES.get(code)
    return (label.zh if lang() == "zh" else label.en) if label else code


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _step(
    database: str,
    viewer: tuple[str, str],
    code: str | None,
    period: str,
    now: datetime,
    _user: User,
) -> DrillStep:
    """One drill step; cached per database, viewer's scope, area, period and five minutes."""
    with connection(_user) as conn:
        return drill_step(conn, code, period, now)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _outlines(database: str, code: str, view: float) -> tuple[list[AreaOutline], list[AreaOutline]]:
    """An area's children's outlines and its own, simplified to `view` degrees (public: read
    as nobody)."""
    with connection(None) as conn:
        return (
            drill.child_outlines(conn, code, view=view),
            drill.child_outlines(conn, code, itself=True, view=view),
        )


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def _cases(
    database: str, viewer: tuple[str, str], code: str, start: datetime, end: datetime, _user: User
) -> list[drill.GridCase]:
    """A grid's cases of the period (cached per viewer's scope)."""
    with connection(_user) as conn:
        return drill.grid_cases(conn, code, Period(start, end, "grid"))


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def _centers(
    database: str,
    viewer: tuple[str, str],
    code: str | None,
    start: datetime,
    end: datetime,
    _user: User,
) -> list[drill.CenterLoad]:
    """The centers' workload among an area's cases over a period."""
    with connection(_user) as conn:
        node = drill.area_node(conn, code)
        flt = IncidentFilter(Period(start, end, "centers"), scope=node.scope)
        return drill.center_workloads(conn, flt)


def _drawn_at() -> Drawn:
    """The area and period of the URL: the page drawn now, or the one the browser showed
    when it sent a click (a callback runs before the page, with the browser's URL)."""
    return st.query_params.get("area"), st.query_params.get("period")


def _go(area: str | None, period: str, drawn: Drawn) -> None:
    """Open another area or period: a new URL, so a new browser history entry (the callback
    of a click, a choice or a button: the page then runs once, at the new place).

    Only from a widget `drawn` at the URL the browser is at: until the browser hears that a
    run has ended, it sends the last values of the widgets of the area it left along with a
    click, and Streamlit, which forgot their values at that run's end, calls their callbacks
    again (they would open the area left, or a child of it, and push history entries)."""
    if _drawn_at() != drawn:
        return
    params = {"period": period}
    if area:
        params["area"] = area
    st.query_params.from_dict(params)


def _go_area(key: str, period: str, drawn: Drawn) -> None:
    """Open the area chosen in the selectbox `key`."""
    if chosen := st.session_state.get(key):
        _go(chosen, period, drawn)


def _go_period(key: str, area: str | None, drawn: Drawn) -> None:
    """Show `area` over the period chosen in the selectbox `key`."""
    if chosen := st.session_state.get(key):
        _go(area, chosen, drawn)


def _go_row(key: str, codes: list[str], period: str, drawn: Drawn) -> None:
    """Open the area of the ranking row selected in the table `key` (rows as shown)."""
    event = st.session_state.get(key)
    rows = event.selection.rows if event else []
    if rows and rows[0] < len(codes):
        _go(codes[rows[0]], period, drawn)


def _go_picked(children: set[str], period: str, drawn: Drawn, picked: Picked) -> None:
    """Open the child area clicked on the map."""
    code = (picked.object.get("properties") or picked.object).get("code")
    if picked.layer == CHILDREN_LAYER and code in children:
        _go(code, period, drawn)


def render(user: User) -> None:
    """Draw the page."""
    now = now_utc()
    choices = period_choices(now, lang())
    opening = default_period(now)
    viewer = user.scope
    key = scope_key(user)
    home = viewer.code if viewer.level != "city" else None
    area = st.query_params.get("area") or home
    if area and home:
        with shown_errors():
            chain = chain_of(area)
        if chain and not chain_in_scope(chain, viewer):
            refuse_area(user, area, t("outside_scope"))
    period = st.query_params.get("period") or opening
    try:
        parse_period(period, now)
    except PeriodError:
        st.warning(t("bad_period"))
        period = opening
    database = database_label()
    clock = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    with shown_errors():
        try:
            step = _step(database, key, area, period, clock, user)
        except AreaNotFound:
            st.warning(t("no_area"))
            step = _step(database, key, home, period, clock, user)
    node = step.node
    shown = (database, key, node.code, period, clock, lang())  # what the charts depend on

    st.title(f"{node.name} · {t('page_drill')}")
    _breadcrumb(step, period)
    _controls(step, period, choices)
    _kpis(step)
    with shown_errors():
        left, right = st.columns([3, 2], gap="medium")
        with left:
            _map(step, database, period, user)
        with right:
            _index_panel(step, shown)
        _downloads(step, period, clock)
        if step.children:
            _ranking(step, period)
        _trend_and_breakdowns(step, shown)
        _centers_table(database, step, user)
        judgement_tabs(step, database, user, now)
        if node.level == "grid":
            _cases_table(database, step, user)
    total = sum(step.timings.values())
    st.caption(
        f"{t('as_of')} {format_cst(step.period.end)} · {t('server_time')} {total * 1000:.0f} ms · "
        f"{database}"
    )


def _breadcrumb(step: DrillStep, period: str) -> None:
    """The chain of areas above this one, each a button back up."""
    crumbs = step.crumbs
    columns = st.columns([1] * len(crumbs) + [max(1, 8 - len(crumbs))], gap="small")
    for column, crumb in zip(columns, crumbs, strict=False):
        label = f"{crumb.name}"
        if crumb.code == step.node.code:
            column.button(label, key=f"crumb-{crumb.code}", disabled=True, type="primary")
        else:
            column.button(
                f"{label} ›", key=f"crumb-{crumb.code}", type="tertiary", on_click=_go,
                args=(None if crumb.level == "city" else crumb.code, period, _drawn_at()),
            )  # fmt: skip


def _controls(step: DrillStep, period: str, choices: dict[str, str]) -> None:
    """The period selector and the list of children to drill into."""
    if period not in choices:
        choices = {period: period, **choices}
    keys = list(choices)
    left, right, _ = st.columns([2, 2, 3])
    here = None if step.node.level == "city" else step.node.code
    period_key = f"period-{step.node.code}-{period}"
    left.selectbox(
        t("period"), keys, index=keys.index(period), format_func=choices.__getitem__,
        key=period_key, on_change=_go_period, args=(period_key, here, _drawn_at()),
    )  # fmt: skip
    names = {row.area.code: row.area.name for row in step.children}
    if names:
        drill_key = f"drill-to-{step.node.code}-{period}"
        right.selectbox(
            f"{t('drill_to')} {_level(step.node.child_level)}",
            [""] + list(names),
            format_func=lambda c: names.get(c, t("choose")),
            key=drill_key, on_change=_go_area, args=(drill_key, period, _drawn_at()),
        )  # fmt: skip
    st.caption(
        f"{format_cst(step.period.start)} – {format_cst(step.period.end)} "
        f"({t('compared')} {format_cst(step.previous.start)} – {format_cst(step.previous.end)})"
    )


def _kpis(step: DrillStep) -> None:
    """The key figures with their change on the period compared."""
    k, p = step.current.counts.kpis, step.before.counts.kpis
    kpi_strip(
        [
            Figure(t("kpi_new"), f"{k.new:,}", change_text(k.new, p.new), rise_is_bad=True),
            Figure(t("kpi_open"), f"{k.open:,}", change_text(k.open, p.open), rise_is_bad=True),
            Figure(
                t("kpi_overdue"),
                f"{k.overdue:,}",
                change_text(k.overdue, p.overdue),
                rise_is_bad=True,
            ),
            Figure(t("kpi_concluded"), f"{k.concluded:,}", change_text(k.concluded, p.concluded)),
            Figure(
                t("kpi_resolved_rate"),
                share_text(k.resolved_rate),
                change_text(k.resolved_rate, p.resolved_rate, percent=True),
            ),
        ]
    )
    kpi_strip(
        [
            Figure(t("kpi_mean"), hours_text(k.mean_handling_hours, lang()), None),
            Figure(t("kpi_p90"), hours_text(k.p90_handling_hours, lang()), None),
            Figure(
                t("kpi_escalated"),
                f"{k.escalated:,}",
                change_text(k.escalated, p.escalated),
                rise_is_bad=True,
            ),
            Figure(
                t("kpi_major"),
                f"{k.major_new:,} / {k.major_open:,}",
                change_text(k.major_new, p.major_new),
                rise_is_bad=True,
            ),
            Figure(
                t("index"),
                marked_index(step.current.index.value, step.current.index.sparse, lang()),
                index_change(step.current.index, step.before.index),
            ),
        ]
    )


def _map(step: DrillStep, database: str, period: str, user: User) -> None:
    """Children filled by their index (click one to drill), or a grid's cases."""
    view = view_for(step.node.bbox, MAP_WIDTH_PX, MAP_HEIGHT_PX)
    children, frame = _outlines(database, step.node.code, pixel_degrees(view.zoom) / 2)
    rules = load_rules()
    bands = [(b.min, b.color) for b in rules.bands]
    rows = {row.area.code: row for row in step.children}
    fill, props = {}, {}
    for code, row in rows.items():
        index = row.figures.index
        fill[code] = index_colour(index.value if index.rankable else None, bands)
        props[code] = {
            "index": marked_index(index.value, index.sparse, lang()),
            "new": row.figures.counts.kpis.new,
            "open": row.figures.counts.kpis.open,
        }
    layers = children_layers(children, fill, props, frame, view.zoom)
    legend_items = [
        LegendItem(index_colour(b.min, bands), f"{b.label(lang())} ≥{b.min:.0f}")
        for b in rules.bands
    ]
    unrated = f"{_mark('unrated')} / {_mark('sparse')}"
    items = [
        Legend(
            t("legend_index"),
            legend_items + [LegendItem([200, 200, 200, 150], unrated)],
            note=t("sparse_note").format(n=rules.min_reports),
        )
    ]
    if step.node.level == "grid":
        cases = _cases(
            database, scope_key(user), step.node.code, step.period.start, step.period.end, user
        )
        layers.append(cases_layer([_point(c) for c in cases]))
        items = [
            Legend(
                t("legend_cases"),
                [LegendItem(CASE_COLOURS[s], t(f"state_{s}"), shape="dot") for s in CASE_COLOURS],
            )
        ]
    settings = get_settings()
    basemap = configured_basemap(settings.basemap_url, settings.basemap_attribution)
    tooltip = {
        "html": f"<b>{{name}}</b><br/>{t('index')}: {{index}}<br/>{t('kpi_new')}: {{new}}"
        f"<br/>{t('kpi_open')}: {{open}}",
        "style": {"fontSize": "13px"},
    }
    if step.node.level == "grid":
        tooltip = {"html": "<b>{category}</b> · {status}<br/>{reported}<br/>{name}"}
    deck = make_deck(
        layers,
        view,
        tooltip=tooltip,
        basemap=basemap,
    )
    map_panel(
        deck,
        MAP_KEY,
        f"{step.node.code}-{period}",
        partial(_go_picked, set(rows), period, _drawn_at()),
        height=MAP_HEIGHT_PX,
    )
    legends(items)


def _point(case: drill.GridCase) -> CasePoint:
    return CasePoint(
        id=case.id,
        lon=case.lon,
        lat=case.lat,
        state=case.state,
        category=category_label(case.category, lang()),
        status=t(f"state_{case.state}"),
        reported=format_cst(case.reported_at),
        address=case.address,
    )


def _index_panel(step: DrillStep, shown: tuple) -> None:
    """The area's index, its band, and what each indicator adds and loses."""
    rules = load_rules()
    index = step.current.index
    st.subheader(t("index"))
    if index.value is None:
        st.info(t("index_none"))
        return
    band = index.band
    colour, label = (
        ("#888888", _mark("sparse")) if index.sparse else (band.color, band.label(lang()))
    )
    st.markdown(
        f"<div style='font-size:44px;font-weight:700;color:{colour};line-height:1.1'>"
        f"{vocabulary.index_text(index.value)} <span style='font-size:20px'>{label}</span></div>",
        unsafe_allow_html=True,
    )
    if index.sparse:
        st.caption(t("sparse_note").format(n=rules.min_reports))
    names = [i.label(lang()) for i in rules.indicators]
    contributions = [index.contribution(i.key) for i in rules.indicators]
    st.caption(t("index_why"))
    cached_chart(
        ("contribution", *shown),
        lambda: contribution_chart(
            names,
            [c.points for c in contributions],
            [c.lost for c in contributions],
            (t("won"), t("lost")),
        ),
    )
    table = pd.DataFrame(
        {
            t("indicator"): names,
            t("value"): [
                vocabulary.indicator_text(i.key, c.value, lang())
                for i, c in zip(rules.indicators, contributions, strict=True)
            ],
            t("score"): [f"{c.score:.0f}" if c.rated else t("not_rated") for c in contributions],
            t("points"): [f"{c.points:.1f}" for c in contributions],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(t("index_rules"))


def _ranking(step: DrillStep, period: str) -> None:
    """Children from the lowest index up; a click on a row drills into it."""
    st.subheader(t("ranking"))
    ranked = step.ranked()
    rated = step.rank_count()
    frame = pd.DataFrame(
        {
            t("rank"): [str(i + 1) if i < rated else "—" for i in range(len(ranked))],
            t("area"): [r.area.name for r in ranked],
            t("index"): [r.figures.index.value for r in ranked],
            t("band"): [band_text(r.figures.index, lang()) for r in ranked],
            t("change"): [
                None
                if not r.figures.index.rankable or r.previous_index is None
                else round(r.figures.index.value - r.previous_index, INDEX_DECIMALS)
                for r in ranked
            ],
            t("kpi_new"): [r.figures.counts.kpis.new for r in ranked],
            t("per_thousand"): [
                round(1000 * r.figures.counts.kpis.new / r.area.population, 1)
                if r.area.population
                else None
                for r in ranked
            ],
            t("kpi_open"): [r.figures.counts.kpis.open for r in ranked],
            t("kpi_overdue"): [r.figures.counts.kpis.overdue for r in ranked],
            t("kpi_resolved_rate"): [
                None
                if r.figures.counts.kpis.resolved_rate is None
                else 100 * r.figures.counts.kpis.resolved_rate
                for r in ranked
            ],
            t("kpi_major"): [r.figures.counts.kpis.major_new for r in ranked],
            t("repeats"): [r.figures.counts.repeats for r in ranked],
            t("population"): [r.area.population for r in ranked],
        }
    )
    key = f"ranking-{step.node.code}-{period}"
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=RANKING_ROW_PX * (min(len(ranked), RANKING_ROWS) + 1) + 3,
        on_select=partial(_go_row, key, [r.area.code for r in ranked], period, _drawn_at()),
        selection_mode="single-row",
        key=key,
        column_config={
            t("index"): st.column_config.ProgressColumn(
                format=f"%.{INDEX_DECIMALS}f", min_value=0, max_value=100, color=INDEX_BAR
            ),
            t("kpi_resolved_rate"): st.column_config.NumberColumn(format="%.1f%%"),
            t("change"): st.column_config.NumberColumn(format=f"%+.{INDEX_DECIMALS}f"),
        },
    )
    if rated < len(ranked):
        sparse = sum(1 for r in ranked if r.figures.index.sparse)
        st.caption(t("ranking_sparse").format(n=sparse, min=load_rules().min_reports))


def _trend_and_breakdowns(step: DrillStep, shown: tuple) -> None:
    """The trend, and cases by category and by source."""
    weekly = step.period.days > 62
    points = drill.weekly(step.trend) if weekly else step.trend
    left, middle, right = st.columns([2, 1, 1], gap="medium")
    with left:
        st.subheader(t("trend_weekly" if weekly else "trend"))
        frame = pd.DataFrame(
            {"day": [p.day for p in points], "new": [p.new for p in points],
             "concluded": [p.concluded for p in points]}
        )  # fmt: skip
        labels = {"new": t("kpi_new"), "concluded": t("kpi_concluded")}
        cached_chart(("trend", *shown), lambda: trend_chart(frame, labels))
    for column, kind, title, rows, name in (
        (
            middle,
            "category",
            t("by_category"),
            step.categories,
            lambda k: category_label(k, lang()),
        ),
        (right, "source", t("by_source"), step.sources, _source),
    ):
        with column:
            st.subheader(title)
            cached_chart(
                (kind, *shown),
                partial(
                    bar_chart, [name(r.key) for r in rows], [r.new for r in rows], t("kpi_new")
                ),
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        title: [name(r.key) for r in rows],
                        t("kpi_new"): [r.new for r in rows],
                        t("previous_new"): [r.previous_new for r in rows],
                        t("kpi_resolved_rate"): [share_text(r.resolved_rate) for r in rows],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def _centers_table(database: str, step: DrillStep, user: User) -> None:
    """The centers that hold or concluded the area's cases."""
    code = None if step.node.level == "city" else step.node.code
    loads = _centers(database, scope_key(user), code, step.period.start, step.period.end, user)
    with st.expander(
        f"{t('centers')} ({len(loads)})",
        expanded=step.node.level in ("street", "community", "grid"),
    ):
        st.dataframe(
            pd.DataFrame(
                {
                    t("center"): [c.name for c in loads],
                    t("level"): [_level(c.level) for c in loads],
                    t("kpi_open"): [c.open for c in loads],
                    t("kpi_overdue"): [c.overdue for c in loads],
                    t("kpi_concluded"): [c.concluded for c in loads],
                    t("mean_days"): pd.to_numeric(
                        [
                            None if c.mean_hours is None else round(c.mean_hours / 24, 1)
                            for c in loads
                        ]
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(t("centers_note"))


def _cases_table(database: str, step: DrillStep, user: User) -> None:
    """A grid's cases, newest first."""
    cases = _cases(
        database, scope_key(user), step.node.code, step.period.start, step.period.end, user
    )
    st.subheader(f"{t('cases')} ({len(cases)})")
    st.dataframe(
        pd.DataFrame(
            {
                t("reported"): [format_cst(c.reported_at) for c in cases],
                t("category"): [category_label(c.category, lang()) for c in cases],
                t("source"): [_source(c.source) for c in cases],
                t("status"): [t(f"state_{c.state}") for c in cases],
                t("deadline"): [format_cst(c.deadline_at) for c in cases],
                t("address"): [c.address for c in cases],
                t("description"): [c.description for c in cases],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _downloads(step: DrillStep, period: str, now: datetime) -> None:
    """The safety report of this area and period, as Excel and PDF (made on click).

    Each button is keyed by its area and period and holds its own file: a press on the
    buttons of the area still shown while the next one's run is under way (a breadcrumb just
    clicked) makes the file of the area shown, under its name, never another's. With one key
    for every area, the next run took the button over (its file was another area's, or none
    once the run had replaced it). They are drawn right after the map, so a new area's run
    replaces the stale ones within its first moments."""
    st.subheader(t("report"))
    stem = f"平安报表_{step.node.name}_{step.period.key}"
    shown = f"{step.node.code}-{period}"
    # Streamlit makes the file on click in a thread of its own, outside this run: the user's
    # session and the pool are taken now, so the file holds what the user may see.
    make = partial(_report, pool(), session_token(), step.node.code, period, now)
    left, right, _ = st.columns([1, 1, 4])
    with left:
        st.download_button(
            t("download_xlsx"),
            data=lambda: make("xlsx"),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"download-xlsx-{shown}",
        )
    with right:
        st.download_button(
            t("download_pdf"),
            data=lambda: make("pdf"),
            file_name=f"{stem}.pdf",
            mime="application/pdf",
            key=f"download-pdf-{shown}",
        )


@st.cache_resource(ttl=600, max_entries=8, show_spinner=False)
def _content(
    _pool: ThreadedConnectionPool, token: str | None, code: str, period: str, now: datetime
) -> ReportContent:
    """The report of this area and period read in the user's scope, once per session, area,
    period and five minutes: the Excel and the PDF are made from the same rows, and the
    second file does not gather (and count the scorecards) again."""
    with db.session_transaction(_pool, token) as conn:
        return report_content(conn, code, period, now)


def _report(
    pool_: ThreadedConnectionPool, token: str | None, code: str, period: str, now: datetime,
    kind: str,
) -> bytes:  # fmt: skip
    """The file `minqing report` writes for this area and period, read in the user's scope."""
    return report_bytes(_content(pool_, token, code, period, now), kind, now)


render(require("drilldown"))
