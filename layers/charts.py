"""Altair charts of the drill-down (rendered by Streamlit's bundled Vega, no network)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
NEW_COLOUR = "#d9622b"
CONCLUDED_COLOUR = "#3b7dd8"
WON = "#1a9850"
LOST = "#e0e0e0"


def _styled(chart: alt.Chart, height: int) -> alt.Chart:
    return (
        chart.properties(height=height)
        .configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=12, titleFontSize=12)
        .configure_legend(labelFont=FONT, titleFont=FONT, orient="top", labelFontSize=12)
        .configure_view(strokeWidth=0)
    )


def trend_chart(frame: pd.DataFrame, labels: dict[str, str], height: int = 240) -> alt.Chart:
    """New and concluded cases per day (or week): columns day, new, concluded."""
    long = frame.melt(id_vars="day", value_vars=["new", "concluded"], var_name="what")
    long["what"] = long["what"].map(labels)
    chart = (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2)
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format="%m-%d", labelAngle=0)),
            y=alt.Y("value:Q", title=None),
            color=alt.Color(
                "what:N",
                title=None,
                scale=alt.Scale(
                    domain=[labels["new"], labels["concluded"]],
                    range=[NEW_COLOUR, CONCLUDED_COLOUR],
                ),
            ),
            tooltip=[alt.Tooltip("day:T", format="%Y-%m-%d"), "what:N", "value:Q"],
        )
    )
    return _styled(chart, height)


def bar_chart(
    names: Sequence[str], values: Sequence[float], title: str, height: int = 220
) -> alt.Chart:
    """Horizontal bars, biggest first."""
    frame = pd.DataFrame({"name": list(names), "value": list(values)})
    chart = (
        alt.Chart(frame)
        .mark_bar(color=NEW_COLOUR, cornerRadiusEnd=2)
        .encode(
            y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=160)),
            x=alt.X("value:Q", title=title),
            tooltip=["name:N", "value:Q"],
        )
    )
    return _styled(chart, height)


def contribution_chart(
    names: Sequence[str], won: Sequence[float], lost: Sequence[float], titles: tuple[str, str]
) -> alt.Chart:
    """Points each indicator adds to the index (green) and loses (grey), out of its weight."""
    rows = []
    for name, w, lo in zip(names, won, lost, strict=True):
        rows.append({"name": name, "part": titles[0], "points": round(w, 1), "order": 0})
        rows.append({"name": name, "part": titles[1], "points": round(lo, 1), "order": 1})
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort=list(names), title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("points:Q", stack="zero", title=None),
            color=alt.Color(
                "part:N", title=None, scale=alt.Scale(domain=list(titles), range=[WON, LOST])
            ),
            order=alt.Order("order:Q"),
            tooltip=["name:N", "part:N", "points:Q"],
        )
    )
    return _styled(chart, 34 * max(len(names), 1))
