"""Map legends as data, and as one small block of HTML with every label escaped."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

RGBA = list[int]
Translate = Callable[[str], str]


@dataclass(frozen=True)
class LegendItem:
    """One swatch: a colour, its label, and how it is drawn (square, dot, ring or line)."""

    color: RGBA
    label: str
    shape: str = "square"
    size_px: int = 12


@dataclass(frozen=True)
class Legend:
    """A titled list of swatches, or a colour ramp between two labels, and a note."""

    title: str
    items: Sequence[LegendItem] = ()
    ramp: Sequence[RGBA] = ()
    ramp_labels: tuple[str, str] = ("", "")
    note: str = ""


def _css(color: RGBA) -> str:
    r, g, b, *a = color
    alpha = (a[0] if a else 255) / 255
    return f"rgba({r},{g},{b},{alpha:.2f})"


def _swatch(item: LegendItem) -> str:
    size = item.size_px
    base = f"display:inline-block;width:{size}px;height:{size}px;vertical-align:middle;"
    if item.shape == "dot":
        style = base + f"border-radius:50%;background:{_css(item.color)};"
    elif item.shape == "ring":
        style = base + f"border-radius:50%;border:2.5px solid {_css(item.color)};"
    elif item.shape == "line":
        style = (
            f"display:inline-block;width:{size + 6}px;height:0;vertical-align:middle;"
            f"border-top:3px solid {_css(item.color)};"
        )
    else:
        style = base + f"border-radius:2px;background:{_css(item.color)};"
    return f'<span style="{style}"></span>'


def legend_html(legends: Sequence[Legend]) -> str:
    """The legends side by side as HTML; every text is escaped."""
    blocks = []
    for legend in legends:
        parts = [f'<div class="mq-legend-title">{html.escape(legend.title)}</div>']
        if legend.ramp:
            stops = ",".join(_css(c) for c in legend.ramp)
            low, high = (html.escape(x) for x in legend.ramp_labels)
            parts.append(
                f'<div class="mq-legend-row"><span>{low}</span>'
                f'<span class="mq-ramp" style="background:linear-gradient(90deg,{stops})">'
                f"</span><span>{high}</span></div>"
            )
        for item in legend.items:
            parts.append(
                f'<div class="mq-legend-row">{_swatch(item)}'
                f"<span>{html.escape(item.label)}</span></div>"
            )
        if legend.note:
            parts.append(f'<div class="mq-legend-note">{html.escape(legend.note)}</div>')
        blocks.append(f'<div class="mq-legend">{"".join(parts)}</div>')
    return f'<div class="mq-legends">{_STYLE}{"".join(blocks)}</div>'


_STYLE = (
    "<style>"
    ".mq-legends{display:flex;flex-wrap:wrap;gap:6px 22px;font-size:12.5px;color:#333;"
    "line-height:1.45;margin:2px 0 4px}"
    ".mq-legend-title{font-weight:600;margin-bottom:2px}"
    ".mq-legend-row{display:flex;align-items:center;gap:6px;white-space:nowrap}"
    ".mq-legend-note{color:#777;font-size:11.5px;max-width:300px}"
    ".mq-ramp{display:inline-block;width:110px;height:10px;border-radius:2px}"
    "</style>"
)
