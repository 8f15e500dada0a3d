"""How the drill-down writes its figures: handling times, shares, changes, the index and its
band (an indicator's value: `geo.vocabulary.indicator_text`)."""

from __future__ import annotations

from geo import vocabulary
from geo.drill.safety_index import SafetyIndex

DAYS_FROM_HOURS = 48  # a handling time this long or longer is given in days


def hours_text(value: float | None, lang: str = "zh") -> str:
    """A handling time in hours, or in days from two days on ("—" when there is none)."""
    if value is None:
        return "—"
    if value >= DAYS_FROM_HOURS:
        return f"{value / 24:.1f} {vocabulary.name(vocabulary.DURATIONS, 'days', lang)}"
    return f"{value:.1f} {vocabulary.name(vocabulary.DURATIONS, 'hours', lang)}"


def share_text(value: float | None) -> str:
    """A share as a percentage with one decimal ("—" when there is none)."""
    return "—" if value is None else f"{value:.1%}"


def change_text(now: float | None, before: float | None, percent: bool = False) -> str | None:
    """The change from `before` to `now`, signed: a whole number with thousands separators,
    else one decimal; a share's change in percentage points (None when either is missing)."""
    if now is None or before is None:
        return None
    diff = now - before
    if percent:
        return f"{diff * 100:+.1f} pt"
    return f"{diff:+,.0f}" if float(diff).is_integer() else f"{diff:+.1f}"


def marked_index(value: float | None, sparse: bool = False, lang: str = "zh") -> str:
    """The index, marked "(样本不足)" when it rests on too few reports ("—" when none)."""
    text = vocabulary.index_text(value)
    if value is None or not sparse:
        return text
    return f"{text} ({vocabulary.name(vocabulary.INDEX_MARKS, 'sparse', lang)})"


def index_change(now: SafetyIndex, before: SafetyIndex) -> str | None:
    """The index's change, only between two indexes that rest on enough reports."""
    if not (now.rankable and before.rankable):
        return None
    return change_text(now.value, before.value)


def band_text(index: SafetyIndex, lang: str = "zh") -> str:
    """The band's name; "样本不足" for an index on too few reports; "—" without an index."""
    if index.value is not None and index.sparse:
        return vocabulary.name(vocabulary.INDEX_MARKS, "sparse", lang)
    return index.band.label(lang) if index.band else "—"
