"""预判 on the pages: the live map's "next week" layer and the drill-down's forecast chart."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import altair as alt
import pandas as pd
import pydeck as pdk

from geo.forecast.queries import RisingGrid, WeekPoint
from geo.live.queries import GridShape
from layers.charts import NEW_COLOUR, _styled
from layers.legend import Legend, LegendItem
from layers.outlines import edge_layer, ring_segments

Translate = Callable[[str], str]
RISING_FILL = [128, 0, 160, 90]
RISING_LINE = [110, 0, 140, 255]
FORECAST_COLOUR = "#7b2cbf"
# The chart's columns that carry a label (its tooltip's titles)
CHART_LABELS = ("week", "actual", "forecast", "low", "high")


def rising_records(
    grids: Sequence[RisingGrid],
    shapes: Mapping[str, GridShape],
    titles: Mapping[str, str],
    t: Translate,
) -> list[dict]:
    """One record per polygon of each rising grid, with its forecast in the tooltip."""
    records = []
    for rank, grid in enumerate(grids, start=1):
        shape = shapes.get(grid.code)
        if shape is None:
            continue
        body = t("rising_body").format(
            mean=grid.mean, low=grid.low, high=grid.high, recent=grid.recent, rise=grid.rise
        )
        if grid.history == 0:
            body += "\n" + t("rising_no_history")
        title = f"{t('rising_title')} #{rank} · {titles.get(grid.code, grid.code)}"
        records += [
            {"p": polygon, "code": grid.code, "title": title, "body": body}
            for polygon in shape.polygons
        ]
    return records


def rising_layers(records: list[dict]) -> list[pdk.Layer]:
    """The grids expected to rise most next week: purple, with thick edges, over the others
    (filled only; the edges a LineLayer, `forecast-rising-edges`: why, layers.outlines)."""
    fill = pdk.Layer(
        "PolygonLayer",
        id="forecast-rising",
        data=records,
        get_polygon="p",
        filled=True,
        stroked=False,
        get_fill_color=RISING_FILL,
        pickable=True,
    )
    edges = ring_segments(ring for record in records for ring in record["p"])
    return [fill, edge_layer("forecast-rising-edges", edges, RISING_LINE, 2.5)]


def rising_legend(t: Translate, shown: int, week: str) -> Legend:
    """What the purple grids are, and for which week."""
    return Legend(
        t("legend_rising"),
        [LegendItem(RISING_LINE, t("rising_item").format(n=shown))],
        note=t("rising_note").format(week=week),
    )


def forecast_frame(points: Sequence[WeekPoint]) -> pd.DataFrame:
    """Columns week, actual, forecast, low, high, ahead for the chart."""
    return pd.DataFrame(
        {
            "week": [p.week_start.replace(tzinfo=None) for p in points],
            "actual": [p.actual for p in points],
            "forecast": [p.mean for p in points],
            "low": [p.low for p in points],
            "high": [p.high for p in points],
            "ahead": [p.ahead for p in points],
        }
    )


def forecast_chart(frame: pd.DataFrame, labels: Mapping[str, str], height: int = 260) -> alt.Chart:
    """Reports per week (line) against the forecast made for each week (purple, with its
    interval as a band); the weeks ahead dashed."""
    base = alt.Chart(frame).encode(
        x=alt.X("week:T", title=None, axis=alt.Axis(format="%m-%d", labelAngle=0))
    )
    tooltip = [
        alt.Tooltip("week:T", title=labels["week"], format="%Y-%m-%d"),
        alt.Tooltip("actual:Q", title=labels["actual"]),
        alt.Tooltip("forecast:Q", title=labels["forecast"], format=".1f"),
        alt.Tooltip("low:Q", title=labels["low"], format=".1f"),
        alt.Tooltip("high:Q", title=labels["high"], format=".1f"),
    ]
    band = base.mark_area(opacity=0.18, color=FORECAST_COLOUR).encode(
        y=alt.Y("low:Q", title=None), y2="high:Q"
    )
    forecast = base.mark_line(color=FORECAST_COLOUR, strokeWidth=2).encode(
        y="forecast:Q",
        strokeDash=alt.condition(
            "datum.ahead", alt.value([5, 4]), alt.value([1, 0])
        ),  # the weeks ahead dashed
        tooltip=tooltip,
    )
    actual = base.mark_line(point=alt.OverlayMarkDef(size=22), color=NEW_COLOUR).encode(
        y="actual:Q", tooltip=tooltip
    )
    return _styled(alt.layer(band, forecast, actual), height)
