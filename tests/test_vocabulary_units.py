"""One precision and unit per safety index indicator (geo.vocabulary.INDICATOR_UNITS), and the
Excel number format the report gives it."""

from __future__ import annotations

import pytest

from geo import vocabulary
from geo.drill.safety_index import INDICATOR_BASES, load_rules
from geo.reports.excel import number_format
from geo.vocabulary import INDICATOR_UNITS, index_text, indicator_text


def test_every_indicator_has_one_unit():
    assert set(INDICATOR_UNITS) == set(INDICATOR_BASES)
    assert {i.key for i in load_rules().indicators} <= set(INDICATOR_UNITS)
    for key, unit in INDICATOR_UNITS.items():
        # a rate per residents names what it counts per; a share of cases is a percentage
        assert (unit.per is not None) == (INDICATOR_BASES[key] == "population"), key


@pytest.mark.parametrize(
    ("key", "value", "zh", "en"),
    [
        ("incident_rate", 8.26, "8.3 件/千人", "8.3 per 1,000"),
        ("major_risk_rate", 1.8249, "1.82 件/十万人", "1.82 per 100,000"),
        ("resolved_rate", 0.97349, "97.3%", "97.3%"),
        ("overdue_rate", 0.05, "5.0%", "5.0%"),
        ("escalation_rate", None, "—", "—"),
    ],
)
def test_indicators_are_written_with_their_decimals_and_unit(key, value, zh, en):
    assert indicator_text(key, value) == zh
    assert indicator_text(key, value, "en") == en


def test_the_rounded_number_is_the_one_shown():
    """The workbook's number is what the page shows: a share stays a fraction."""
    assert INDICATOR_UNITS["incident_rate"].rounded(8.26) == 8.3
    assert INDICATOR_UNITS["major_risk_rate"].rounded(1.8249) == 1.82
    assert INDICATOR_UNITS["resolved_rate"].rounded(0.97349) == 0.973


def test_excel_formats_carry_the_decimals_and_unit():
    assert number_format(INDICATOR_UNITS["incident_rate"]) == '0.0" 件/千人"'
    assert number_format(INDICATOR_UNITS["major_risk_rate"]) == '0.00" 件/十万人"'
    assert number_format(INDICATOR_UNITS["repeat_rate"]) == "0.0%"
    assert number_format(vocabulary.Unit(0)) == "0%"


def test_the_index_has_one_decimal_everywhere():
    assert vocabulary.INDEX_DECIMALS == 1
    assert index_text(63.25) == "63.2" and index_text(100.0) == "100.0" and index_text(None) == "—"
