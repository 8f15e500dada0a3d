"""Deadlines: end of the CST day N days on, urgent hours, statutory source terms."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from geo.deadlines import deadline_for, deadlines_for, parse_rules
from geo.errors import ConfigError
from geo.timeutil import CST
from geo.vocabulary import CATEGORIES, SOURCES


def cst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CST)


def test_days_count_to_the_end_of_the_cst_day_across_month_end():
    """A livelihood case (5 days) reported on 28 January is due at the end of 2 February."""
    assert deadline_for("livelihood", 1, cst(2026, 1, 28, 9, 30)) == cst(2026, 2, 3)
    # reported a minute before midnight: the same CST day, the same deadline
    assert deadline_for("livelihood", 2, cst(2026, 1, 28, 23, 59)) == cst(2026, 2, 3)
    # a minute after midnight is the next day
    assert deadline_for("livelihood", 2, cst(2026, 1, 29, 0, 1)) == cst(2026, 2, 4)


def test_the_cst_day_decides_not_the_utc_day():
    """20:00 UTC on 31 March is 04:00 CST on 1 April: counted from 1 April."""
    reported = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)
    assert deadline_for("safety_hazard", 1, reported) == cst(2026, 4, 5)


def test_february_and_year_end():
    """Month lengths and the new year are calendar days."""
    assert deadline_for("safety_hazard", 1, cst(2028, 2, 27, 12)) == cst(2028, 3, 2)  # leap year
    assert deadline_for("safety_hazard", 1, cst(2026, 2, 27, 12)) == cst(2026, 3, 3)
    assert deadline_for("public_order", 1, cst(2026, 12, 30, 8)) == cst(2027, 1, 3)


def test_urgent_cases_count_hours_across_midnight_and_month_end():
    """Severity 3 and 4 get the category's urgent hours, crossing midnight and the month."""
    assert deadline_for("public_order", 3, cst(2026, 5, 31, 22, 15)) == cst(2026, 6, 1, 4, 15)
    assert deadline_for("safety_hazard", 4, cst(2026, 4, 30, 18)) == cst(2026, 5, 1, 6)


def test_statutory_sources_keep_their_days_even_when_urgent():
    """Letters and visits: 60 days, never shortened to urgent hours."""
    due = deadline_for("dispute", 4, cst(2026, 11, 1, 10), source="letters_visits")
    assert due == cst(2027, 1, 1)
    assert deadline_for("dispute", 1, cst(2026, 11, 1, 10), source="hotline_12345") == cst(
        2026, 11, 17
    )


def test_rules_are_configurable_and_checked():
    """A rules file changes the figures; a bad one is a clear ConfigError."""
    rules = parse_rules("[categories.livelihood]\ndays = 1\nurgent_hours = 2\n[sources]\n")
    assert deadline_for("livelihood", 1, cst(2026, 1, 31, 9), rules=rules) == cst(2026, 2, 2)
    assert deadline_for("livelihood", 3, cst(2026, 1, 31, 23), rules=rules) == cst(2026, 2, 1, 1)
    assert deadline_for("dispute", 1, cst(2026, 1, 1), rules=rules) == cst(2026, 1, 17)
    with pytest.raises(ConfigError):
        parse_rules("[categories.livelihood]\ndays = 0\n")
    with pytest.raises(ConfigError):
        parse_rules("urgent_severity = [")


def test_unknown_category_and_naive_times_are_refused():
    with pytest.raises(ValueError):
        deadline_for("weather", 1, cst(2026, 1, 1))
    with pytest.raises(ValueError):
        deadline_for("dispute", 1, datetime(2026, 1, 1))


def test_column_by_column_agrees_with_one_by_one():
    """The vectorised rule used by imports gives the same instants as deadline_for."""
    rng = np.random.default_rng(3)
    n = 400
    start = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    seconds = start + rng.integers(0, 400 * 86400, n)
    reported = pd.Series(pd.to_datetime(seconds, unit="s", utc=True))
    category = pd.Series(rng.choice(list(CATEGORIES), n))
    severity = pd.Series(rng.integers(1, 5, n))
    source = pd.Series(rng.choice(list(SOURCES), n))
    got = deadlines_for(category, severity, reported, source)
    for i in range(n):
        one = deadline_for(category[i], int(severity[i]), reported[i].to_pydatetime(), source[i])
        assert got[i].to_pydatetime() == one, (category[i], severity[i], reported[i], source[i])
