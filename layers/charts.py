"""Altair charts of the drill-down (rendered by Streamlit's bundled Vega, no network)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
NEW_COLOUR = "#d9622b"
CONCLUDED_COLOUR = "#3b7dd8"
WON = "#1a9850"
LOST = "#e0e0e0"


# Labels are wrapped at this many half-width characters per line (a Chinese character counts
# two) and never cut: Vega draws each line of the list `labelExpr` splits a label into.
WRAP_UNITS = 24
LINE_PX = 15
MAX_DATE_TICKS = 8
SPLIT_LINES = "split(datum.label, '\\n')"


def text_units(text: str) -> int:
    """The width of a text in half-width characters (a Chinese character counts two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_label(text: str, units: int = WRAP_UNITS) -> str:
    """The text broken into lines of at most `units` half-width characters ('\n' between).

    Words (split at spaces) stay whole where they fit; Chinese breaks between any characters.
    """
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_units(candidate) <= units:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if text_units(line + char) > units:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return "\n".join(lines)


def date_ticks(days: Sequence[date], most: int = MAX_DATE_TICKS) -> list[str]:
    """Every k-th day's 'MM-DD' label, k chosen so that at most `most` ticks show, each once."""
    labels = list(dict.fromkeys(f"{d:%m-%d}" for d in days))
    step = max(1, math.ceil(len(labels) / most))
    return labels[::step]


# Altair's default theme sets this view size; Streamlit draws charts without the theme
DEFAULT_VIEW = {"continuousWidth": 300, "continuousHeight": 300}


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite spec with its data inline, as Streamlit would draw it (no
    default theme), unvalidated: the charts here are fixed, and building and validating one
    took 0.1–0.3 s of a page's run."""
    spec = chart.to_dict(validate=False)
    view = spec.get("config", {}).get("view", {})
    for key, value in DEFAULT_VIEW.items():
        if view.get(key) == value:
            del view[key]
    return spec


def _styled(chart: alt.Chart, height: int | alt.Step) -> alt.Chart:
    """Fonts that carry Chinese, the legend on top; a step height grows with the bars, the
    width fits the column (Streamlit's default "fit" would squeeze the bars into a height)."""
    if isinstance(height, alt.Step):
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return (
        chart.properties(height=height)
        .configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=12, titleFontSize=12)
        .configure_legend(labelFont=FONT, titleFont=FONT, orient="top", labelFontSize=12)
        .configure_view(strokeWidth=0)
    )


def trend_chart(frame: pd.DataFrame, labels: dict[str, str], height: int = 240) -> alt.Chart:
    """New and concluded cases per day (or week): columns day (a date), new, concluded.

    The axis is one place per day labelled 'MM-DD' (each day at most once, at most eight
    labels): a time axis over two days labels every few hours, all with the same date.
    """
    long = frame.melt(id_vars="day", value_vars=["new", "concluded"], var_name="what")
    long["what"] = long["what"].map(labels)
    long["label"] = [f"{d:%m-%d}" for d in long["day"]]
    long["date"] = [f"{d:%Y-%m-%d}" for d in long["day"]]
    ticks = date_ticks(list(frame["day"]))
    chart = (
        alt.Chart(long.drop(columns="day"))
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2)
        .encode(
            x=alt.X(
                "label:O",
                title=None,
                sort=None,
                axis=alt.Axis(values=ticks, labelAngle=0, labelOverlap=False),
            ),
            y=alt.Y("value:Q", title=None),
            color=alt.Color(
                "what:N",
                title=None,
                scale=alt.Scale(
                    domain=[labels["new"], labels["concluded"]],
                    range=[NEW_COLOUR, CONCLUDED_COLOUR],
                ),
            ),
            tooltip=["date:N", "what:N", "value:Q"],
        )
    )
    return _styled(chart, height)


def bar_chart(names: Sequence[str], values: Sequence[float], title: str) -> alt.Chart:
    """Horizontal bars, biggest first, every bar labelled in full (long names wrapped)."""
    frame = pd.DataFrame({"name": [wrap_label(n) for n in names], "value": list(values)})
    chart = (
        alt.Chart(frame)
        .mark_bar(color=NEW_COLOUR, cornerRadiusEnd=2)
        .encode(
            y=alt.Y("name:N", sort="-x", title=None, axis=_band_axis()),
            x=alt.X("value:Q", title=title),
            tooltip=["name:N", "value:Q"],
        )
    )
    return _styled(chart, band_step(frame["name"]))


def band_step(labels: Sequence[str], least: int = 22) -> alt.Step:
    """The height of each bar's band: room for every line of the longest label.

    A step, not a total: the chart grows with its bars, whatever the legend and axis take
    (a fixed height squeezed six bars into 100 px and Vega dropped every other label).
    """
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    return alt.Step(max(least, LINE_PX * lines + 8))


def _band_axis() -> alt.Axis:
    """A band axis that shows every label, whole, on as many lines as it has."""
    return alt.Axis(labelLimit=0, labelOverlap=False, labelExpr=SPLIT_LINES, labelPadding=4)


def contribution_chart(
    names: Sequence[str], won: Sequence[float], lost: Sequence[float], titles: tuple[str, str]
) -> alt.Chart:
    """Points each indicator adds to the index (green) and loses (grey), out of its weight."""
    rows = []
    names = [wrap_label(n) for n in names]
    for name, w, lo in zip(names, won, lost, strict=True):
        rows.append({"name": name, "part": titles[0], "points": round(w, 1), "order": 0})
        rows.append({"name": name, "part": titles[1], "points": round(lo, 1), "order": 1})
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort=names, title=None, axis=_band_axis()),
            x=alt.X("points:Q", stack="zero", title=None),
            color=alt.Color(
                "part:N", title=None, scale=alt.Scale(domain=list(titles), range=[WON, LOST])
            ),
            order=alt.Order("order:Q"),
            tooltip=["name:N", "part:N", "points:Q"],
        )
    )
    return _styled(chart, band_step(names, least=30))
