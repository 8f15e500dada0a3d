"""Incident points (in a street) and the incidents that arrived since the last refresh."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import pydeck as pdk

from geo.live.queries import IncidentPoint
from geo.timeutil import format_cst
from geo.vocabulary import SOURCES, category_label, subcategory_label
from layers.deck import literal
from layers.legend import Legend, LegendItem

RGBA = list[int]
Translate = Callable[[str], str]
CATEGORY_RGBA: dict[str, RGBA] = {
    "dispute": [123, 50, 148, 225],
    "safety_hazard": [230, 97, 1, 225],
    "livelihood": [1, 133, 113, 225],
    "public_order": [33, 102, 172, 225],
    "fraud": [197, 27, 125, 225],
    "other": [90, 90, 90, 220],  # 其他: the catch-all of labels no mapping names
}
OTHER: RGBA = CATEGORY_RGBA["other"]
MAJOR_RING: RGBA = [200, 0, 0, 255]
ARRIVAL_RING: RGBA = [255, 0, 200, 255]
OPEN_STATUSES = ("reported", "assigned", "in_progress")


def incident_tooltip(point: IncidentPoint, now: datetime, t: Translate, lang: str) -> str:
    """Source, status, reported, deadline (overdue marked), address and the resident's words.

    The text goes into the tooltip as a field, which the tooltip escapes.
    """
    overdue = point.status in OPEN_STATUSES and point.deadline_at < now
    label = SOURCES.get(point.source)
    source = (label.zh if lang == "zh" else label.en) if label else point.source
    lines = [
        f"{t('tip_source')}：{source} · {t('status_' + point.status)}",
        f"{t('tip_reported')}：{format_cst(point.reported_at)}",
        f"{t('tip_deadline')}：{format_cst(point.deadline_at)}"
        + (f" · {t('tip_overdue')}" if overdue else ""),
        f"{t('tip_address')}：{point.address}",
        point.description,
    ]
    if point.is_major_risk:
        lines.insert(0, t("tip_major"))
    return "\n".join(lines)


def _record(point: IncidentPoint, now: datetime, t: Translate, lang: str) -> dict:
    title = (
        f"{category_label(point.category, lang)} · "
        f"{subcategory_label(point.category, point.subcategory, lang)}"
    )
    return {
        "p": [round(point.lon, 5), round(point.lat, 5)],
        "c": CATEGORY_RGBA.get(point.category, OTHER),
        "m": MAJOR_RING if point.is_major_risk else [255, 255, 255, 230],
        "title": title,
        "body": incident_tooltip(point, now, t, lang),
    }


def incident_layer(
    points: Sequence[IncidentPoint], now: datetime, t: Translate, lang: str
) -> pdk.Layer:
    """The incidents as dots coloured by category; major risks ringed in red."""
    return pdk.Layer(
        "ScatterplotLayer",
        id="incidents",
        data=[_record(p, now, t, lang) for p in reversed(points)],
        get_position="p",
        get_radius=12,
        radius_units=literal("meters"),
        radius_min_pixels=3.5,
        radius_max_pixels=9,
        get_fill_color="c",
        stroked=True,
        get_line_color="m",
        line_width_min_pixels=1.2,
        pickable=True,
    )


def arrivals_layer(
    points: Sequence[IncidentPoint], fresh_ids: set[int], now: datetime, t: Translate, lang: str
) -> pdk.Layer:
    """Rings around incidents that arrived lately; those of the last refresh ring larger."""
    data = []
    for point in points:
        record = _record(point, now, t, lang)
        record["r"] = 7 if point.id in fresh_ids else 4.5
        record["title"] = f"{t('tip_arrived')} · {record['title']}"
        data.append(record)
    return pdk.Layer(
        "ScatterplotLayer",
        id="arrivals",
        data=data,
        get_position="p",
        get_radius="r",
        radius_units=literal("pixels"),
        filled=True,
        get_fill_color="c",
        stroked=True,
        get_line_color=ARRIVAL_RING,
        line_width_min_pixels=2.5,
        pickable=True,
    )


def incident_legend(t: Translate, lang: str) -> Legend:
    """Category colours, the major-risk ring and the new-arrival ring."""
    items = [
        LegendItem(color, category_label(code, lang), "dot")
        for code, color in CATEGORY_RGBA.items()
    ]
    items.append(LegendItem(MAJOR_RING, t("legend_major"), "ring"))
    items.append(LegendItem(ARRIVAL_RING, t("legend_arrived"), "ring"))
    return Legend(t("legend_incidents"), items)
