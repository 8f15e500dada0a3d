"""City overview: Lanzhou's districts and streets on the map, with counts from the database."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import require
from dashboard.errors import shown_errors
from dashboard.i18n import t
from dashboard.resources import connection
from dashboard.widgets.map_panel import Picked, map_panel
from geo.auth import User
from geo.queries.areas import area_outlines, district_summaries, level_extent
from geo.settings import get_settings
from geo.timeutil import days_ago_cst, now_utc
from layers.boundaries import label_layer, outline_layers, outlines_geojson
from layers.colors import YL_OR_RD, classify, quantile_breaks
from layers.deck import configured_basemap, make_deck, view_for
from layers.labels import Box, place_in_sizes, place_labels

MAP_HEIGHT_PX = 560

MAP_KEY = "overview-map"
DRILL_PAGE = "dashboard/drilldown.py"


def _open_district(picked: Picked) -> None:
    """A click on a district (callback): its drill-down over the last 30 days, the period
    the overview counts (a new page: the back button returns here)."""
    code = (picked.object.get("properties") or {}).get("code")
    if picked.layer == "districts" and code:
        st.switch_page(DRILL_PAGE, query_params={"area": code, "period": "30d"})


def render(user: User) -> None:
    """Draw the page."""
    st.title(f"{t('app_title')} · {t('page_overview')}")
    st.caption(t("overview_caption"))
    now = now_utc()
    with shown_errors(), connection(user) as conn:
        districts = area_outlines(conn, ["district"])
        streets = area_outlines(conn, ["street"])
        summaries = district_summaries(conn, since=days_ago_cst(now, 30), now=now)
        extent = level_extent(conn, "district")
    if not districts or extent is None:
        st.info(t("no_data"))
        return

    rate = {s.code: 1000 * s.recent / s.population if s.population else 0.0 for s in summaries}
    breaks = quantile_breaks(list(rate.values()), len(YL_OR_RD))
    fill = {code: classify(value, breaks, YL_OR_RD) for code, value in rate.items()}
    extra = {
        s.code: {"recent": s.recent, "open": s.open, "rate": f"{rate[s.code]:.1f}"}
        for s in summaries
    }
    district_fc = outlines_geojson(districts, fill=fill, extra=extra)
    street_fc = outlines_geojson(streets)

    totals = pd.DataFrame([s.__dict__ for s in summaries])
    cols = st.columns(5)
    cols[0].metric(t("kpi_residents"), f"{int(totals.population.sum()):,}")
    cols[1].metric(t("kpi_grids"), f"{int(totals.grids.sum()):,}")
    cols[2].metric(t("kpi_recent"), f"{int(totals.recent.sum()):,}")
    cols[3].metric(t("kpi_open"), f"{int(totals.open.sum()):,}")
    cols[4].metric(t("kpi_overdue"), f"{int(totals.overdue.sum()):,}")

    settings = get_settings()
    basemap = configured_basemap(settings.basemap_url, settings.basemap_attribution)
    view = view_for(extent, 900, MAP_HEIGHT_PX)
    taken: list[Box] = []
    big, small = place_in_sizes(districts, view.zoom, (15, 12), taken=taken)
    street_names = place_labels(streets, view.zoom, 11, taken=taken)
    deck = make_deck(
        [
            *outline_layers(
                "districts", district_fc, [120, 40, 40, 255], 2.5, filled=True, pickable=True
            ),
            *outline_layers("streets", street_fc, [90, 90, 90, 160], 0.8),
            label_layer("street-labels", street_names, 11, [70, 70, 70, 255]),
            label_layer("district-labels", big, 15, [30, 30, 30, 255]),
            label_layer("district-labels-small", small, 12, [30, 30, 30, 255]),
        ],
        view,
        tooltip={
            "html": "<b>{name}</b><br/>"
            + f"{t('tooltip_recent')}: {{recent}}<br/>{t('tooltip_open')}: {{open}}",
            "style": {"fontSize": "13px"},
        },
        basemap=basemap,
    )
    map_panel(deck, MAP_KEY, "city", _open_district, height=MAP_HEIGHT_PX)
    st.caption(f"{t('legend_rate')} · {t('overview_click')}")

    table = pd.DataFrame(
        {
            t("col_district"): totals.name,
            t("col_population"): totals.population,
            t("col_streets"): totals.streets,
            t("col_grids"): totals.grids,
            t("col_recent"): totals.recent,
            t("col_rate"): [round(rate[c], 1) for c in totals.code],
            t("col_open"): totals.open,
            t("col_overdue"): totals.overdue,
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


render(require("overview"))
