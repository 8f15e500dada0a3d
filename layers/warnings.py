"""The early warnings layer: one marker per active warning, coloured by kind, ringed by status."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import pydeck as pdk

from geo.bounds import LngLatBbox
from geo.queries.areas import AreaOutline
from geo.timeutil import format_cst
from geo.vocabulary import category_label
from geo.warnings.queries import EarlyWarning
from geo.warnings.rules import KINDS, WarningRules
from layers.boundaries import label_layer, outline_layers, outlines_geojson
from layers.deck import CJK_FONTS, literal
from layers.labels import place_labels
from layers.legend import Legend, LegendItem

RGBA = list[int]
Translate = Callable[[str], str]
KIND_RGBA: dict[str, RGBA] = {
    "grid_surge": [215, 48, 39, 240],
    "category_cluster": [255, 127, 0, 240],
    "repeat_address": [106, 61, 154, 240],
    "major_risk_rise": [103, 0, 13, 245],
}
RADIUS_PX, COMPACT_RADIUS_PX = 10, 5
MARK_RGBA: RGBA = [255, 255, 255, 255]  # the "!" on every marker, unlike any other dot
# new warnings get a thick white ring; acknowledged a thin one; assigned a dark one
STATUS_RING: dict[str, tuple[RGBA, float]] = {
    "new": ([255, 255, 255, 255], 3.0),
    "acknowledged": ([255, 255, 255, 200], 1.5),
    "assigned": ([30, 30, 30, 230], 2.0),
    "closed": ([150, 150, 150, 200], 1.0),
}


def warning_reason(warning: EarlyWarning, rules: WarningRules, lang: str) -> str:
    """The warning's reason with its figures, its category and address filled in."""
    return rules.reason(
        warning.kind,
        warning.figures,
        lang,
        category=category_label(warning.category, lang) if warning.category else "",
        address=warning.address or "",
    )


def warning_tooltip(warning: EarlyWarning, rules: WarningRules, t: Translate, lang: str) -> str:
    """Reason with figures, area, status and when first raised (a field: escaped)."""
    lines = [
        warning_reason(warning, rules, lang),
        f"{t('warn_area')}：{warning.path_text()}",
        f"{t('warn_status')}：{t('warn_status_' + warning.status)}"
        + (f" · {warning.assigned_center}" if warning.assigned_center else ""),
        f"{t('warn_detected')}：{format_cst(warning.detected_at)}",
    ]
    return "\n".join(lines)


def warning_records(
    warnings: Sequence[EarlyWarning], rules: WarningRules, t: Translate, lang: str
) -> list[dict]:
    """The layer's data: position, colours, and the tooltip's title and body."""
    records = []
    for w in warnings:
        ring, width = STATUS_RING.get(w.status, STATUS_RING["new"])
        records.append(
            {
                "p": [round(w.lon, 5), round(w.lat, 5)],
                "c": KIND_RGBA.get(w.kind, [90, 90, 90, 230]),
                "l": ring,
                "w": width,
                "title": f"{t('warn_title')} #{w.id} · {t('warn_kind_' + w.kind)}",
                "body": warning_tooltip(w, rules, t, lang),
            }
        )
    return records


def warning_layers(
    warnings: Sequence[EarlyWarning],
    rules: WarningRules,
    t: Translate,
    lang: str,
    compact: bool = False,
) -> list[pdk.Layer]:
    """The active warnings as large dots with a white "!" (the marks carry only positions, so
    the tooltips are sent once), drawn over the grids, centers and incidents.

    `compact` (the whole city's view): small dots without the mark, so a hundred warnings in
    the urban core do not cover it and its names.
    """
    records = warning_records(warnings, rules, t, lang)
    if compact:
        records = [{**r, "w": min(r["w"], 1.5)} for r in records]
    dots = pdk.Layer(
        "ScatterplotLayer",
        id="warnings",
        data=records,
        get_position="p",
        get_radius=COMPACT_RADIUS_PX if compact else RADIUS_PX,
        radius_units=literal("pixels"),
        get_fill_color="c",
        stroked=True,
        get_line_color="l",
        get_line_width="w",
        line_width_units=literal("pixels"),
        pickable=True,
    )
    marks = pdk.Layer(
        "TextLayer",
        id="warnings-mark",
        data=[{"p": r["p"], "t": "!"} for r in records],
        get_position="p",
        get_text="t",
        get_size=15,
        size_units=literal("pixels"),
        get_color=MARK_RGBA,
        font_family=literal(CJK_FONTS),
        font_weight=literal("bold"),
        get_text_anchor=literal("middle"),
        get_alignment_baseline=literal("center"),
        pickable=False,
    )
    return [dots] if compact else [dots, marks]


def outlines_bbox(outlines: Sequence[AreaOutline]) -> LngLatBbox | None:
    """The box around the outlines' geometries (None when there are none)."""
    xs: list[float] = []
    ys: list[float] = []
    for outline in outlines:
        for ring in _rings(json.loads(outline.geojson)):
            xs += [point[0] for point in ring]
            ys += [point[1] for point in ring]
    if not xs:
        return None
    return LngLatBbox(min(xs), min(ys), max(xs), max(ys))


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return geometry["coordinates"]
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def warning_map_layers(
    warning: EarlyWarning,
    neighbours: Sequence[AreaOutline],
    frame: Sequence[AreaOutline],
    rules: WarningRules,
    t: Translate,
    lang: str,
    zoom: float,
) -> list[pdk.Layer]:
    """A warning's surroundings: the areas beside its own (named where the names fit), its own
    area outlined in its kind's colour, the parent's frame, and the warning's marker."""
    own = [o for o in neighbours if o.code == warning.area_code]
    colour = KIND_RGBA.get(warning.kind, [90, 90, 90, 230])
    return [
        *outline_layers(
            "warning-neighbours",
            outlines_geojson(neighbours, fill={o.code: [245, 245, 245, 200] for o in neighbours}),
            [120, 120, 120, 200],
            1.0,
            filled=True,
        ),
        *outline_layers(
            "warning-area",
            outlines_geojson(own, fill={o.code: colour[:3] + [70] for o in own}),
            colour,
            3.0,
            filled=True,
        ),
        *outline_layers("warning-frame", outlines_geojson(frame), [30, 30, 30, 255], 2.5),
        label_layer("warning-labels", place_labels(neighbours, zoom, 12), 12, [40, 40, 40, 255]),
        *warning_layers([warning], rules, t, lang),
    ]


def warning_legend(t: Translate, shown: int, compact: bool = False) -> Legend:
    """The four kinds of warning and the status rings; how many are shown (and, `compact`,
    that the city view draws them small)."""
    items = [LegendItem(KIND_RGBA[kind], t("warn_kind_" + kind), "dot") for kind in KINDS]
    items.append(LegendItem(STATUS_RING["assigned"][0], t("warn_status_assigned"), "ring"))
    note = t("legend_warnings_note_city" if compact else "legend_warnings_note")
    return Legend(t("legend_warnings"), items, note=note.format(n=shown))
