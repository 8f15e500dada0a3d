"""The drill-down's period choices and number formats (geo.drill.periods, geo.drill.formats)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geo.drill.formats import (
    band_text,
    change_text,
    hours_text,
    index_change,
    marked_index,
    share_text,
)
from geo.drill.periods import period_choices
from geo.drill.safety_index import SafetyIndex, load_rules
from geo.filters import parse_period


def test_period_choices_offer_months_weeks_and_rolling_days_in_order():
    now = datetime(2026, 11, 24, 4, tzinfo=UTC)  # Tuesday 12:00 CST, ISO week 48
    choices = period_choices(now)
    assert list(choices)[:6] == ["2026-11", "2026-10", "2026-W48", "2026-W47", "7d", "30d"]
    assert choices["2026-11"] == "本月 (2026-11)" and choices["2026-W47"] == "上周 (2026-W47)"
    assert choices["30d"] == "近30天"
    earlier = list(choices)[6:]
    assert earlier == [f"2026-{m:02d}" for m in range(9, 0, -1)] + ["2025-12"]
    assert choices["2026-03"] == "2026-03"
    assert period_choices(now, "en")["2026-10"] == "Last month (2026-10)"
    assert all(parse_period(text, now) for text in choices)  # every choice is a period


def test_period_choices_follow_china_time_and_iso_years():
    """17:00 UTC on 30 November is already 1 December in China; 2 January 2027 is in ISO
    week 53 of 2026."""
    december = period_choices(datetime(2026, 11, 30, 17, tzinfo=UTC))
    assert list(december)[:2] == ["2026-12", "2026-11"]
    january = period_choices(datetime(2027, 1, 2, 4, tzinfo=UTC))
    assert list(january)[:4] == ["2027-01", "2026-12", "2026-W53", "2026-W52"]


def test_handling_times_are_hours_then_days():
    assert hours_text(None) == "—"
    assert hours_text(47.94) == "47.9 小时"
    assert hours_text(48) == "2.0 天"
    assert hours_text(60, "en") == "2.5 d" and hours_text(3, "en") == "3.0 h"


@pytest.mark.parametrize(
    ("now", "before", "percent", "text"),
    [
        (1300, 100, False, "+1,200"),
        (3, 5, False, "-2"),
        (63.25, 62.75, False, "+0.5"),
        (0.95, 0.925, True, "+2.5 pt"),
        (None, 5, False, None),
        (5, None, False, None),
    ],
)
def test_changes_are_signed(now, before, percent, text):
    assert change_text(now, before, percent) == text


def test_shares_and_the_index_with_its_marks():
    assert share_text(None) == "—" and share_text(0.9876) == "98.8%"
    assert marked_index(None, True) == "—"
    assert marked_index(63.25) == "63.2"
    assert marked_index(63.25, sparse=True) == "63.2 (样本不足)"
    assert marked_index(63.25, sparse=True, lang="en") == "63.2 (Too few reports)"


def _index(value: float | None, sparse: bool = False) -> SafetyIndex:
    band = load_rules().band(value) if value is not None else None
    return SafetyIndex(value, band, (), sparse)


def test_the_index_changes_and_bands_only_where_it_rests_on_enough_reports():
    assert index_change(_index(80.0), _index(75.5)) == "+4.5"
    assert index_change(_index(80.0), _index(70.0)) == "+10"
    assert index_change(_index(80.0, sparse=True), _index(70.0)) is None
    assert index_change(_index(80.0), _index(None)) is None
    assert band_text(_index(95.0)) == "平安" and band_text(_index(95.0), "en") == "Safe"
    assert band_text(_index(95.0, sparse=True)) == "样本不足"
    assert band_text(_index(None)) == "—"
