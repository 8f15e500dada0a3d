"""实时态势 · the live map: grid colours, heat, center workloads, incidents, refreshed live.

The page reads the filters and the area in view (`?area=CODE&period=...`), asks
`geo.live.view` for one refresh, hands the result to `layers/`, and draws. A fragment
redraws the key figures and the map every few seconds; the map keeps its key and its initial
view, so the operator's pan and zoom survive, and it moves only when another area is opened.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import cache, partial
from pathlib import Path

import pydeck as pdk
import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard.auth import require
from dashboard.errors import shown_errors
from dashboard.i18n import lang, translator
from dashboard.judgement import next_week_layer
from dashboard.judgement_text import TABLE as JUDGEMENT_TEXT
from dashboard.live_text import TABLE
from dashboard.long_lived import long_lived
from dashboard.resources import connection, scope_key
from dashboard.scope_guard import refuse_area
from dashboard.static_files import static_json_url
from dashboard.warnings_text import TABLE as WARN_TEXT
from dashboard.widgets.filters import FilterChoice, incident_filters
from dashboard.widgets.kpi_strip import Figure, kpi_strip
from dashboard.widgets.map_panel import Picked, legends, map_panel
from dashboard.widgets.small_table import small_table
from geo.auth import User
from geo.bounds import LngLatBbox
from geo.filters import IncidentFilter, Scope
from geo.live import queries as live
from geo.live.grid_status import key_grids, load_rules
from geo.live.view import POINTS_LIMIT, LiveView, Static, shared_live_view
from geo.queries.areas import area_outlines
from geo.settings import get_settings
from geo.timeutil import CST, now_utc
from geo.vocabulary import category_label
from geo.warnings.queries import EarlyWarning, list_warnings
from geo.warnings.rules import load_rules as load_warning_rules
from layers.area_status import LAYER_ID as STATUS_LAYER
from layers.deck import configured_basemap, view_for
from layers.legend import Legend
from layers.live_map import (
    MAP_HEIGHT_PX,
    MAP_WIDTH_PX,
    OUTLINE_LEVELS,
    MapParts,
    Overlays,
    area_features,
    area_grid_edges,
    city_box,
    display_tolerance,
    grid_names,
    live_deck,
    served_payloads,
    simplified,
)

t = translator({**WARN_TEXT, **JUDGEMENT_TEXT, **TABLE})
MAP_KEY = "live-map"
REFRESH_SECONDS = (5, 10, 30, 60)
ARRIVAL_MEMORY_S = 120
LAYERS = ("grid_status", "heat", "centers", "incidents", "warnings", "forecast")
DEFAULT_LAYERS = {
    "grid_status": True, "heat": False, "centers": True, "incidents": True, "warnings": True,
    "forecast": False,
}  # fmt: skip
WARNINGS_LIMIT = 300  # active warnings drawn at most (the newest), to keep each refresh small
DRILL_PAGE = "dashboard/drilldown.py"


@long_lived(ttl=3600, max_entries=4)
def _boundaries(version: int) -> Static:
    """Tree and grid outlines of one boundary version (public: shared by every session, so
    read as nobody: area data has no scope)."""
    with connection(None) as conn:
        return Static(version, live.area_tree(conn), live.grid_shapes(conn), [])


@long_lived(ttl=3600, max_entries=16)
def _static(version: int, viewer: tuple[str, str], _user: User) -> Static:
    """The boundaries and the centers the viewer's scope may see (cached per scope)."""
    with connection(_user) as conn:
        centers = live.centers(conn)
    base = _boundaries(version)
    return Static(version, base.tree, base.shapes, centers)


@long_lived(ttl=3600, max_entries=8)
def _area_features(version: int) -> dict[str, list[dict]]:
    """District, street and community outlines as GeoJSON features, per level (public)."""
    with connection(None) as conn:
        return area_features(area_outlines(conn, list(OUTLINE_LEVELS)))


@long_lived(ttl=3600, max_entries=8)
def _city_streets(version: int, tolerance: float) -> list[dict]:
    """The streets' outlines simplified for a city map (per version and half pixel)."""
    return simplified(_area_features(version)["street"], tolerance)


def _layer_switches() -> dict[str, bool]:
    """The layer toggles in the sidebar."""
    st.sidebar.subheader(t("layers"))
    return {
        name: st.sidebar.toggle(
            t("layer_" + name),
            value=DEFAULT_LAYERS[name],
            key=f"layer_{name}",
            help=t("layer_incidents_help") if name == "incidents" else None,
        )
        for name in LAYERS
    }


def _live_switches() -> float | None:
    """Auto refresh on or off and its interval: seconds between refreshes, or None."""
    st.sidebar.subheader(t("live"))
    on = st.sidebar.toggle(t("live"), value=True, key="live_on")
    every = st.sidebar.select_slider(
        t("live_every"), options=REFRESH_SECONDS, value=10, key="live_every"
    )
    return float(every) if on else None


def _focus(static: Static, user: User) -> live.AreaNode | None:
    """The area in view from `?area=` (None: the whole city, also for unknown codes).

    A user scoped below the city opens their own area by default; an area outside it (a
    forged or edited URL) is refused.
    """
    code = st.query_params.get("area")
    node = static.tree.get(code) if code else None
    node = node if node is not None and node.level != "city" else None
    viewer = user.scope
    if viewer.level == "city":
        return node
    if node is None:
        return static.tree.get(viewer.code)
    if not live.within(node, viewer.code):
        refuse_area(user, node.code, t("outside_scope"))
    return node


def _open(code: str | None, period: str) -> None:
    """Open an area (None: the whole city): put it in the URL (a button's callback: the page
    then reruns there; a new URL is a new entry of the browser's history)."""
    if code:
        st.query_params["area"] = code
    else:
        st.query_params.pop("area", None)
    st.query_params["period"] = period


def _breadcrumb(static: Static, focus: live.AreaNode | None, choice: FilterChoice) -> None:
    """City › district › street …: each a button that opens that area; and the report link."""
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    chain = [static.tree[c] for c in focus.ancestors if c in static.tree] if focus else []
    chain = [n for n in chain if n.level != "city"]
    row.button(
        t("city"), key="crumb_city", type="tertiary", disabled=focus is None,
        on_click=_open, args=(None, choice.period),
    )  # fmt: skip
    for node in chain:
        row.markdown("›")
        row.button(
            node.name, key=f"crumb_{node.code}", type="tertiary",
            on_click=_open, args=(node.code, choice.period),
        )  # fmt: skip
    if focus is not None:
        row.markdown("›")
        row.button(focus.name, key="crumb_focus", type="tertiary", disabled=True)
        if Path(DRILL_PAGE).exists():
            try:
                row.page_link(
                    DRILL_PAGE,
                    label=f"{t('open_drill')} →",
                    query_params={"area": focus.code, "period": choice.period},
                )
            except StreamlitAPIException:
                pass  # the drill-down page is not among this deployment's pages


def _child_toward(code: str, static: Static, focus: live.AreaNode | None) -> str | None:
    """The area one level below the focus on the way to `code` (None when there is none)."""
    node = static.tree.get(code)
    if node is None:
        return None
    path = [*node.ancestors, node.code]
    here = focus.code if focus else path[0]
    if here not in path or path.index(here) + 1 >= len(path):
        return None
    return path[path.index(here) + 1]


def _clicked_area(picked: Picked, static: Static, focus: live.AreaNode | None) -> str | None:
    """The area a click opens: the next level toward a grid or area clicked; a center's own."""
    if picked.layer.startswith(("grid-", "forecast-")) or picked.layer in (
        "areas",
        "districts",
        STATUS_LAYER,
    ):
        code = picked.object.get("code") or picked.object.get("properties", {}).get("code")
        return _child_toward(code, static, focus) if code else None
    if picked.layer == "centers":
        return picked.object.get("area") or None
    return None


def _on_pick(static: Static, focus: live.AreaNode | None, period: str, picked: Picked) -> None:
    """A click on the map (callback): open the area it points to, in a run of the whole page
    (the map is in the live fragment; the breadcrumb and the filters are not)."""
    target = _clicked_area(picked, static, focus)
    if target and (focus is None or target != focus.code):
        _open(target, period)
        st.rerun()


def _arrivals(
    conn: object, flt: IncidentFilter, newest: int, now: float
) -> tuple[list[live.IncidentPoint], set[int]]:
    """Incidents that arrived lately (kept two minutes) and those of this refresh."""
    key = (flt.sources, flt.categories, flt.statuses, flt.major_only, flt.scope)
    state = st.session_state.get("live_arrivals")
    if state is None or state["key"] != key:
        st.session_state["live_arrivals"] = {"key": key, "seen": newest, "items": {}}
        return [], set()
    fresh = live.arrivals(conn, flt, state["seen"]) if newest > state["seen"] else []
    items = {i: v for i, v in state["items"].items() if now - v[0] < ARRIVAL_MEMORY_S}
    for point in fresh:
        items.setdefault(point.id, (now, point))
    state.update(seen=max([newest, *(p.id for p in fresh)]), items=items)
    ordered = sorted(items.values(), key=lambda v: -v[1].id)
    return [p for _, p in ordered], {p.id for p in fresh}


def _deltas(flt: IncidentFilter, values: dict[str, float]) -> dict[str, float]:
    """Each key figure's change since the last refresh with the same filter."""
    key = (flt.sources, flt.categories, flt.statuses, flt.major_only, flt.scope, flt.period.key)
    last = st.session_state.get("live_kpis")
    st.session_state["live_kpis"] = (key, values)
    if not last or last[0] != key:
        return {}
    return {k: v - last[1].get(k, v) for k, v in values.items()}


def _figures(view: LiveView, flt: IncidentFilter) -> list[Figure]:
    """The KPI strip: new today, new in the period, open, overdue, major risks, resolved rate."""
    rate = view.resolved_rate
    values = {
        "new_today": view.today.total.new,
        "new": view.flows.total.new,
        "open": view.stocks.total.open,
        "overdue": view.stocks.total.overdue,
        "major_open": view.stocks.total.major_open,
    }
    deltas = _deltas(flt, values)

    def delta(name: str) -> str | None:
        change = deltas.get(name, 0)
        return f"{change:+,}" if change else None

    figures = [
        Figure(t("kpi_new_today"), f"{values['new_today']:,}", delta("new_today"), True,
               t("kpi_delta_help")),
        Figure(t("kpi_new"), f"{values['new']:,}", delta("new"), True),
        Figure(t("kpi_open"), f"{values['open']:,}", delta("open"), True),
        Figure(t("kpi_overdue"), f"{values['overdue']:,}", delta("overdue"), True),
        Figure(t("kpi_major_open"), f"{values['major_open']:,}", delta("major_open"), True),
        Figure(t("kpi_resolved_rate"), "—" if rate is None else f"{rate:.1%}",
               help=t("kpi_resolved_help")),
    ]  # fmt: skip
    return figures


@long_lived(ttl=3600, max_entries=4)
def _grid_names(version: int) -> tuple[dict[str, str], dict[str, str]]:
    """Every grid's title and place, per boundary version."""
    return grid_names(_boundaries(version))


@long_lived(ttl=3600, max_entries=8)
def _served(version: int, language: str) -> dict[str, str | dict | list]:
    """The map's static parts (layers.live_map.served_payloads) as URLs the browser fetches
    once (inline where not served)."""
    payloads = served_payloads(_boundaries(version), _area_features(version), language, t)
    return {
        name: static_json_url(stem, payload) or payload
        for name, (stem, payload) in payloads.items()
    }


@long_lived(ttl=3600, max_entries=64)
def _area_grid_edges(version: int, code: str) -> str | list:
    """The edges of the grids under one area (layers.live_map.area_grid_edges) as the URL
    the browser fetches once (inline where not served)."""
    stem, segments = area_grid_edges(_boundaries(version), code)
    return static_json_url(stem, segments) or segments


def _opening_box(static: Static, focus: live.AreaNode | None, view: LiveView) -> LngLatBbox:
    """The box the map opens on: the area's; for the city, where its cases are.

    The city's is kept for the session (per boundary version): a changed initial view would
    move the map at every refresh.
    """
    if focus is not None:
        return focus.bbox
    key = ("live_open_box", static.version)
    if key not in st.session_state:
        st.session_state[key] = city_box(static, view.heat())
    return st.session_state[key]


def _deck(
    view: LiveView,
    static: Static,
    focus: live.AreaNode | None,
    shown: dict[str, bool],
    arrived: list[live.IncidentPoint],
    fresh: set[int],
    now: datetime,
    language: str,
    warnings: list[EarlyWarning],
    user: User,
) -> tuple[pdk.Deck, list[Legend]]:
    """The map of this refresh and the legends of the layers shown (layers.live_map), from
    the parts cached here and the next week's grids read in the user's scope."""
    titles, _ = _grid_names(static.version)
    box = _opening_box(static, focus, view)
    streets = None
    if focus is None:
        zoom = view_for(box, MAP_WIDTH_PX, MAP_HEIGHT_PX).zoom
        streets = _city_streets(static.version, display_tolerance(zoom))
    features = _area_features(static.version)
    edges = None if focus is None else _area_grid_edges(static.version, focus.code)
    parts = MapParts(features, _served(static.version, language), titles, streets, edges)
    rising: tuple[list[pdk.Layer], list[Legend]] = ([], [])
    if shown["forecast"]:
        area = Scope(focus.level, focus.code) if focus else Scope()
        rising = next_week_layer(static.shapes, titles, area, user)
    overlays = Overlays(load_warning_rules(), warnings, arrived, fresh, *rising)
    settings = get_settings()
    basemap = configured_basemap(settings.basemap_url, settings.basemap_attribution)
    # the texts of a few thousand tooltips: each key's text looked up once in this run (a
    # lookup reads the session's language, which costs more than the rest of a tooltip)
    text = cache(t)
    return live_deck(
        view, static, focus, shown, parts, overlays, box, load_rules(), now, text, language, basemap
    )


def _side_panel(
    view: LiveView,
    static: Static,
    arrived: list[live.IncidentPoint],
    fresh: set[int],
    language: str,
) -> None:
    """The feed of arrivals and the list of key grids."""
    st.subheader(t("arrivals"))
    if fresh:
        st.caption(t("arrivals_new").format(n=len(fresh)))
    if arrived:
        titles, _ = _grid_names(static.version)
        rows = [
            {
                t("col_time"): p.reported_at.astimezone(CST).strftime("%H:%M:%S"),
                t("col_where"): titles.get(p.grid_code, p.grid_code),
                t("col_what"): category_label(p.category, language),
                t("col_status"): t("status_" + p.status),
            }
            for p in arrived[:12]
        ]
        small_table(rows, 240)
    else:
        st.caption(t("arrivals_none"))
    st.subheader(t("key_grids"))
    key = key_grids(view.grids)
    if not key:
        st.caption(t("key_grids_none"))
        return
    titles, _ = _grid_names(static.version)
    rules = load_rules()
    rows = [
        {
            t("col_color"): t("color_" + g.color),
            t("col_grid"): titles.get(g.measures.code, g.measures.code),
            t("col_why"): "；".join(g.reasons(rules, language)),
        }
        for g in key[:30]
    ]
    small_table(rows, 300)


def _live_panel(
    static: Static, focus: live.AreaNode | None, choice: FilterChoice, shown: dict[str, bool],
    every: float | None, language: str, viewer: tuple[str, str],
) -> None:  # fmt: skip
    """One refresh: read, judge, draw the KPI strip, the map and the side panel.

    A refresh of its own (the fragment's timer) checks the session once, like any page run.
    """
    user = require("live")
    now = now_utc()
    scope = Scope(focus.level, focus.code) if focus else Scope()
    flt = choice.to_filter(now, scope)
    with shown_errors():
        # shared by every screen of the same scope, filters and data (geo.live.view)
        opener = partial(connection, user)
        view, newest = shared_live_view(opener, viewer, flt, now, static, load_rules())
        with connection(user) as conn:
            arrived, fresh = _arrivals(conn, flt, newest, time.time())
            warnings = (
                list_warnings(conn, area_code=scope.code, limit=WARNINGS_LIMIT)
                if shown["warnings"]
                else []
            )
    scope_name = focus.name if focus else t("city")
    status = t("live_on").format(s=int(every)) if every else t("live_off")
    st.caption(
        f"{status} · "
        + t("live_caption").format(
            scope=scope_name,
            period=_period_label(choice),
            time=now.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S"),
        )
    )
    kpi_strip(_figures(view, flt))
    map_col, side_col = st.columns([3, 1], gap="medium")
    with map_col:
        deck, legend_items = _deck(
            view, static, focus, shown, arrived, fresh, now, language, warnings, user
        )
        shown_view = f"{focus.code if focus else 'city'}-{choice.period}"
        map_panel(deck, MAP_KEY, shown_view, partial(_on_pick, static, focus, choice.period))
        legends(legend_items)
        if shown["incidents"] and len(view.points) >= POINTS_LIMIT:
            st.caption(t("points_capped").format(n=POINTS_LIMIT))
        st.caption(t("click_hint"))
    with side_col:
        _side_panel(view, static, arrived, fresh, language)


def _period_label(choice: FilterChoice) -> str:
    """The period as the operator chose it."""
    if ".." in choice.period:
        return choice.period.replace("..", " – ")
    return t("window_" + choice.period)


# Streamlit greys out what a rerun is redrawing; on a page redrawn every few seconds that
# would make the operator's screen blink, so stale elements keep their full opacity.
_KEEP_OPAQUE = '<style>[data-stale="true"]{opacity:1 !important;transition:none !important}</style>'


def render(user: User) -> None:
    """Draw the page."""
    language = lang()
    st.html(_KEEP_OPAQUE)
    heading = st.empty()
    heading.title(f"{t('app_title')} · {t('page_live')}")
    choice = incident_filters(t, language)
    shown = _layer_switches()
    every = _live_switches()
    with shown_errors(), connection(user) as conn:
        version, _ = live.data_version(conn)
    if version is None:
        st.info(t("no_boundaries"))
        return
    static = _static(version, scope_key(user), user)
    focus = _focus(static, user)
    if focus is not None:
        heading.title(f"{focus.name} · {t('page_live')}")
    st.query_params["period"] = choice.period
    _breadcrumb(static, focus, choice)
    st.fragment(_live_panel, run_every=every)(
        static, focus, choice, shown, every, language, scope_key(user)
    )


render(require("live"))
