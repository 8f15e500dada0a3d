"""The drill-down's 一体考评 and 预判 tabs (issue 17): read through geo/, draw with layers/.

The drill-down page calls `judgement_tabs(step, …)` once; everything the tabs show comes from
`geo.assess` and `geo.forecast` under the viewer's scope and is cached per scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pydeck as pdk
import streamlit as st

from dashboard.i18n import lang, translator
from dashboard.judgement_text import TABLE
from dashboard.resources import connection, database_label, scope_key
from dashboard.widgets.charts import cached_chart
from geo.assess.area import AreaScorecards, area_scorecards
from geo.assess.measure import Counts, measure
from geo.assess.rules import load_rules
from geo.assess.view import LEVELS, scorecard_frame, word
from geo.auth import User
from geo.drill.step import DrillStep
from geo.filters import Period, Scope
from geo.forecast.queries import (
    RisingGrid,
    WeekPoint,
    forecast_vs_actual,
    latest_backtest,
    rising_grids,
)
from geo.forecast.rules import load_rules as load_forecast_rules
from geo.live.queries import GridShape
from geo.timeutil import CST, format_cst
from layers.charts import contribution_chart
from layers.forecast import (
    CHART_LABELS,
    forecast_chart,
    forecast_frame,
    rising_layers,
    rising_legend,
    rising_records,
)
from layers.legend import Legend

t = translator(TABLE)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _counts(
    database: str, viewer: tuple[str, str], period: tuple[datetime, datetime, str],
    now: datetime, _user: User,
) -> dict[tuple[str, str], Counts]:  # fmt: skip
    """What every center and grid in the viewer's scope did in the period: one statement of
    seconds whatever the area, so counted once per viewer's scope, period and `now` (5 minutes
    apart while the period runs, an hour once it closed) and shared by the areas drilled
    into."""
    with connection(_user) as conn:
        return measure(conn, Period(*period), now, load_rules().accept_within_hours)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def _scorecards(
    database: str, viewer: tuple[str, str], area: tuple[str, str | None],
    period: tuple[datetime, datetime, str], clock: datetime, now: datetime, _user: User,
) -> AreaScorecards:  # fmt: skip
    """The area's scorecards counted as of `now` (cached per database, viewer's scope, area,
    period and five minutes, `clock`: a run stored meanwhile shows within five minutes, while
    the counts it would replace are kept for the hour)."""
    with connection(_user) as conn:
        return area_scorecards(
            conn, Scope(*area), Period(*period), now,
            lambda: _counts(database, viewer, period, now, _user),
        )  # fmt: skip


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _forecast(
    database: str, viewer: tuple[str, str], area: tuple[str, str | None], now: datetime,
    _user: User,
) -> tuple[list[WeekPoint], dict | None]:  # fmt: skip
    """The area's weeks against their forecasts, and the latest backtest's figures."""
    with connection(_user) as conn:
        return forecast_vs_actual(conn, Scope(*area), now), latest_backtest(conn)


def judgement_tabs(step: DrillStep, database: str, user: User, now: datetime) -> None:
    """The scorecards of the area's centers and grids, and its forecast against the actual."""
    viewer = scope_key(user)
    area = (step.node.scope.level, step.node.scope.code)
    period = (step.period.start, step.period.end, step.period.key)
    clock = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    # a closed period's counts change only by late acceptances: counted again once an hour
    counted_at = clock if step.period.end > now else now.replace(minute=0, second=0, microsecond=0)
    scores, forecast = st.tabs([t("tab_scorecards"), t("tab_forecast")])
    shown = (database, viewer, area, clock, lang())  # what the charts depend on
    with scores:
        listed = _scorecards(database, viewer, area, period, clock, counted_at, user)
        _scorecard_tab(listed, step, (*shown, period))
    with forecast:
        points, figures = _forecast(database, viewer, area, clock, user)
        _forecast_tab(points, figures, shown)


def _scorecard_tab(listed: AreaScorecards, step: DrillStep, shown: tuple) -> None:
    language = lang()
    present = [level for level in LEVELS if any(c.subject.level == level for c in listed.cards)]
    if not present:
        st.info(t("score_none"))
        return
    level = st.radio(
        t("score_level"), present, format_func=lambda v: word(v, language), horizontal=True,
        key=f"score-level-{step.node.code}",
    )  # fmt: skip
    cards = [c for c in listed.cards if c.subject.level == level]
    if listed.stored is not None:
        made = format_cst(listed.stored.computed_at)
        st.caption(t("score_stored").format(at=made, rules=listed.rules.version))
    else:
        st.caption(t("score_live"))
    st.dataframe(scorecard_frame(cards, listed.rules, language), hide_index=True, width="stretch")
    st.caption(t("score_note"))
    names = {c.subject.code: c.subject.name for c in cards}
    chosen = st.selectbox(
        t("score_pick"), list(names), format_func=names.__getitem__,
        key=f"score-pick-{step.node.code}-{level}",
    )  # fmt: skip
    card = next(c for c in cards if c.subject.code == chosen)
    st.markdown(f"**{card.subject.name} · {t('score_why')}**")
    if card.score is None:
        st.info(t("score_unscored").format(why=word(card.unscored, language)))
        return
    rules = listed.rules
    cached_chart(
        ("scorecard", *shown, card.subject.level, card.subject.code),
        lambda: contribution_chart(
            [i.label(language) for i in rules.indicators],
            [card.contribution(i.key).points for i in rules.indicators],
            [card.contribution(i.key).lost for i in rules.indicators],
            (t("won"), t("lost")),
        ),
    )


def _forecast_tab(points: list[WeekPoint], figures: dict | None, shown: tuple) -> None:
    if not any(p.mean is not None for p in points):
        st.info(t("fc_none"))
        return
    labels = {k: t("fc_" + k) for k in CHART_LABELS}
    cached_chart(("forecast", *shown), lambda: forecast_chart(forecast_frame(points), labels))
    rules = load_forecast_rules()
    st.caption(t("fc_caption").format(level=rules.high - rules.low))
    grid = (figures or {}).get("scores", {}).get("grid")
    if grid:
        one = {method: grid[method]["1"] for method in ("model", "seasonal_naive", "mean4")}
        st.caption(
            t("fc_backtest").format(
                weeks=figures["origins"], model=one["model"]["mae"],
                sn=one["seasonal_naive"]["mae"], m4=one["mean4"]["mae"],
                pai=one["model"].get("pai_0.01") or 0,
            )
        )  # fmt: skip


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _rising(
    database: str, viewer: tuple[str, str], area: tuple[str, str | None], _user: User
) -> list:
    """The latest forecast's rising grids in an area (cached per viewer's scope, 10 minutes)."""
    with connection(_user) as conn:
        return rising_grids(conn, Scope(*area))


def next_week_layer(
    shapes: Sequence[GridShape], titles: Mapping[str, str], area: Scope, user: User
) -> tuple[list[pdk.Layer], list[Legend]]:
    """The live map's "next week" layer of the area in view, and its legend (none without a
    forecast)."""
    grids: list[RisingGrid] = _rising(
        database_label(), scope_key(user), (area.level, area.code), user
    )
    if not grids:
        return [], []
    by_code = {s.code: s for s in shapes}
    records = rising_records(grids, by_code, titles, t)
    week = grids[0].week_start.astimezone(CST).strftime("%Y-%m-%d")
    return rising_layers(records), [rising_legend(t, len(grids), week)]
