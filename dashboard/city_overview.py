"""City overview: Lanzhou's districts and streets on the map, with counts from the database."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import psycopg2.extensions
import pydeck as pdk
import streamlit as st

from dashboard.auth import require
from dashboard.errors import shown_errors
from dashboard.i18n import lang, t
from dashboard.long_lived import long_lived
from dashboard.resources import connection, database_label, scope_key
from dashboard.widgets.map_panel import Picked, map_panel
from dashboard.widgets.small_table import small_table
from geo.auth import User
from geo.live.queries import versions
from geo.queries.areas import DistrictSummary, area_outlines, district_summaries, level_extent
from geo.settings import get_settings
from geo.timeutil import days_ago_cst, now_utc
from layers.city_map import (
    DISTRICTS,
    MAP_HEIGHT_PX,
    CityParts,
    city_deck,
    city_parts,
    district_rates,
)
from layers.deck import configured_basemap

MAP_KEY = "overview-map"
DRILL_PAGE = "dashboard/drilldown.py"


def _open_district(picked: Picked) -> None:
    """A click on a district (callback): its drill-down over the last 30 days, the period
    the overview counts (a new page: the back button returns here).

    Streamlit sets the query first, at this page's path, then opens the other page: the
    browser's history gains `overview?area=…` before the drill-down, and back lands there
    (`render` puts the plain overview back in that entry)."""
    code = (picked.object.get("properties") or {}).get("code")
    if picked.layer == DISTRICTS and code:
        st.switch_page(DRILL_PAGE, query_params={"area": code, "period": "30d"})


@long_lived(max_entries=4)
def _parts(
    database: str, version: int | None, _conn: psycopg2.extensions.connection
) -> CityParts | None:
    """The map's boundary part, once per boundary version (areas are public)."""
    districts = area_outlines(_conn, ["district"])
    extent = level_extent(_conn, "district")
    if not districts or extent is None:
        return None
    return city_parts(districts, area_outlines(_conn, ["street"]), extent)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _summaries(
    database: str,
    viewer: tuple[str, str],
    version: int | None,
    clock: datetime,
    _conn: psycopg2.extensions.connection,
) -> list[DistrictSummary]:
    """The districts' counts in the viewer's scope as of `clock` (five minutes, as the
    drill-down's figures)."""
    return district_summaries(_conn, since=days_ago_cst(clock, 30), now=clock)


@st.cache_resource(max_entries=32, show_spinner=False)
def _deck(
    database: str,
    viewer: tuple[str, str],
    version: int | None,
    clock: datetime,
    language: str,
    _parts: CityParts,
    _summaries: list[DistrictSummary],
) -> pdk.Deck:
    """The map for these counts (its JSON is made once: layers.deck.CompactDeck)."""
    settings = get_settings()
    basemap = configured_basemap(settings.basemap_url, settings.basemap_attribution)
    return city_deck(_parts, _summaries, t, basemap)


def render(user: User) -> None:
    """Draw the page: the map first, then the figures and the table."""
    if {"area", "period"} & set(st.query_params):  # back from a district: the entry
        # `_open_district` left, replaced by the plain overview (a back: no new entry)
        st.query_params.from_dict(
            {k: v for k, v in st.query_params.items() if k not in ("area", "period")}
        )
    st.title(f"{t('app_title')} · {t('page_overview')}")
    st.caption(t("overview_caption"))
    now = now_utc()
    clock = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    database, viewer = database_label(), scope_key(user)
    with shown_errors(), connection(user) as conn:  # one transaction for the whole run
        version = versions(conn).boundaries
        parts = _parts(database, version, conn)
        summaries = _summaries(database, viewer, version, clock, conn) if parts else []
    if parts is None:
        st.info(t("no_data"))
        return

    kpis = st.container()
    deck = _deck(database, viewer, version, clock, lang(), parts, summaries)
    map_panel(deck, MAP_KEY, "city", _open_district, height=MAP_HEIGHT_PX)
    st.caption(f"{t('legend_rate')} · {t('overview_click')}")

    totals = pd.DataFrame([s.__dict__ for s in summaries])
    cols = kpis.columns(5)
    cols[0].metric(t("kpi_residents"), f"{int(totals.population.sum()):,}")
    cols[1].metric(t("kpi_grids"), f"{int(totals.grids.sum()):,}")
    cols[2].metric(t("kpi_recent"), f"{int(totals.recent.sum()):,}")
    cols[3].metric(t("kpi_open"), f"{int(totals.open.sum()):,}")
    cols[4].metric(t("kpi_overdue"), f"{int(totals.overdue.sum()):,}")

    rate = district_rates(summaries)
    rows = [
        {
            t("col_district"): s.name,
            t("col_population"): f"{s.population:,}",
            t("col_streets"): f"{s.streets:,}",
            t("col_grids"): f"{s.grids:,}",
            t("col_recent"): f"{s.recent:,}",
            t("col_rate"): f"{rate[s.code]:.1f}",
            t("col_open"): f"{s.open:,}",
            t("col_overdue"): f"{s.overdue:,}",
        }
        for s in summaries
    ]
    numbers = [column for column in (rows[0] if rows else {}) if column != t("col_district")]
    small_table(rows, 420, numbers)


render(require("overview"))
