"""The incident filters (time window, source, category, status, major risk) as sidebar widgets.

The period goes to and from the URL as `?period=` in `geo.filters.parse_period`'s form
(`today`, `7d`, `30d`, `2026-10-01..2026-10-31`), so a link opens the same view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import streamlit as st

from geo.filters import IncidentFilter, PeriodError, Scope, parse_period
from geo.timeutil import CST
from geo.vocabulary import CATEGORIES, SOURCES

WINDOWS = ("today", "7d", "30d", "custom")
STATUSES = ("reported", "assigned", "in_progress", "resolved", "closed")
Translate = Callable[[str], str]


@dataclass(frozen=True)
class FilterChoice:
    """What the filters say: a period text and the incident conditions."""

    period: str
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    major_only: bool = False

    def to_filter(self, now: datetime, scope: Scope | None = None) -> IncidentFilter:
        """The IncidentFilter of this choice at `now` (rolling windows end at now)."""
        return IncidentFilter(
            parse_period(self.period, now),
            sources=self.sources,
            categories=self.categories,
            statuses=self.statuses,
            major_only=self.major_only,
            scope=scope or Scope(),
        )


def _seed_from_url(key: str, today: date) -> None:
    """Set the window widgets from `?period=` once, before they are drawn."""
    if f"{key}_seeded" in st.session_state:
        return
    st.session_state[f"{key}_seeded"] = True
    text = st.query_params.get("period", "")
    if text in WINDOWS[:-1]:
        st.session_state[f"{key}_window"] = text
        return
    try:
        period = parse_period(text, datetime.now(CST)) if ".." in text else None
    except PeriodError:
        period = None
    if period is not None:
        last = (period.end - timedelta(days=1)).astimezone(CST).date()
        st.session_state[f"{key}_window"] = "custom"
        st.session_state[f"{key}_range"] = (period.start.astimezone(CST).date(), min(last, today))


def incident_filters(
    t: Translate, lang: str, key: str = "flt", default: str = "7d"
) -> FilterChoice:
    """Draw the filters in the sidebar and return the choice."""
    today = datetime.now(CST).date()
    _seed_from_url(key, today)
    st.session_state.setdefault(f"{key}_window", default)
    st.session_state.setdefault(f"{key}_range", (today - timedelta(days=6), today))
    side = st.sidebar
    side.subheader(t("filters"))
    window = side.radio(
        t("filter_window"),
        WINDOWS,
        format_func=lambda w: t("window_" + w),
        horizontal=True,
        key=f"{key}_window",
    )
    period = window
    if window == "custom":
        picked = side.date_input(
            t("filter_range"),
            max_value=today,
            key=f"{key}_range",
        )
        first, last = (picked[0], picked[-1]) if picked else (today, today)
        period = f"{first.isoformat()}..{last.isoformat()}"
    sources = side.multiselect(
        t("filter_sources"),
        list(SOURCES),
        format_func=lambda s: SOURCES[s].zh if lang == "zh" else SOURCES[s].en,
        placeholder=t("filter_all"),
        select_all=False,
        key=f"{key}_sources",
    )
    categories = side.multiselect(
        t("filter_categories"),
        list(CATEGORIES),
        format_func=lambda c: CATEGORIES[c].zh if lang == "zh" else CATEGORIES[c].en,
        placeholder=t("filter_all"),
        select_all=False,
        key=f"{key}_categories",
    )
    statuses = side.multiselect(
        t("filter_statuses"),
        list(STATUSES),
        format_func=lambda s: t("status_" + s),
        placeholder=t("filter_all"),
        select_all=False,
        key=f"{key}_statuses",
    )
    major_only = side.toggle(t("filter_major"), key=f"{key}_major")
    return FilterChoice(period, tuple(sources), tuple(categories), tuple(statuses), major_only)
