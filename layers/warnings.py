"""The early warnings layer: one marker per active warning, coloured by kind, ringed by status."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pydeck as pdk

from geo.timeutil import format_cst
from geo.vocabulary import category_label
from geo.warnings.queries import EarlyWarning
from geo.warnings.rules import KINDS, WarningRules
from layers.deck import CJK_FONTS, literal
from layers.legend import Legend, LegendItem

RGBA = list[int]
Translate = Callable[[str], str]
KIND_RGBA: dict[str, RGBA] = {
    "grid_surge": [215, 48, 39, 240],
    "category_cluster": [255, 127, 0, 240],
    "repeat_address": [106, 61, 154, 240],
    "major_risk_rise": [103, 0, 13, 245],
}
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
        f"{t('warn_area')}：{warning.area_name or warning.area_code}",
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
    warnings: Sequence[EarlyWarning], rules: WarningRules, t: Translate, lang: str
) -> list[pdk.Layer]:
    """The active warnings as large dots with a white "!" (the marks carry only positions, so
    the tooltips are sent once), drawn over the grids, centers and incidents."""
    records = warning_records(warnings, rules, t, lang)
    dots = pdk.Layer(
        "ScatterplotLayer",
        id="warnings",
        data=records,
        get_position="p",
        get_radius=10,
        radius_units=literal("pixels"),
        get_fill_color="c",
        stroked=True,
        get_line_color="l",
        get_line_width="w",
        line_width_units=literal("pixels"),
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 255, 0, 160],
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
    return [dots, marks]


def warning_legend(t: Translate, shown: int) -> Legend:
    """The four kinds of warning and the status rings; how many are shown."""
    items = [LegendItem(KIND_RGBA[kind], t("warn_kind_" + kind), "dot") for kind in KINDS]
    items.append(LegendItem(STATUS_RING["assigned"][0], t("warn_status_assigned"), "ring"))
    return Legend(t("legend_warnings"), items, note=t("legend_warnings_note").format(n=shown))
