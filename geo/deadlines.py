"""Deadlines (限时办理) by category, severity and source: one rule, shared by intake and the desk.

The rule and its figures are in `rules/deadlines.toml`: the end of the CST day N days after
the report, or N hours after it for urgent cases. The demo generator (geo/demo/lifecycle.py)
follows the same rule.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

import pandas as pd

from geo.errors import ConfigError
from geo.series import mapped
from geo.timeutil import CST
from geo.vocabulary import CATEGORIES


@dataclass(frozen=True)
class DeadlineRules:
    """Days and urgent hours per category, statutory days per source, the urgent severity."""

    days: dict[str, int]
    urgent_hours: dict[str, int]
    source_days: dict[str, int]
    urgent_severity: int = 3


def parse_rules(text: str) -> DeadlineRules:
    """Deadline rules from TOML text (categories left out keep the vocabulary's defaults)."""
    try:
        data = tomllib.loads(text)
        given = dict(data.get("categories", {}))
        days = {code: c.deadline_days for code, c in CATEGORIES.items()}
        hours = {code: c.urgent_hours for code, c in CATEGORIES.items()}
        for code, item in given.items():
            days[str(code)] = int(item.get("days", days.get(code, 0)))
            hours[str(code)] = int(item.get("urgent_hours", hours.get(code, 0)))
        sources = {str(k): int(v) for k, v in dict(data.get("sources", {})).items()}
        urgent = int(data.get("urgent_severity", 3))
    except (tomllib.TOMLDecodeError, AttributeError, TypeError, ValueError) as exc:
        raise ConfigError(f"the deadline rules are malformed: {exc!r}") from None
    for code in days:
        if days[code] < 1 or hours[code] < 1:
            raise ConfigError(f"deadline of {code!r}: days and urgent_hours must be at least 1")
    if any(v < 1 for v in sources.values()):
        raise ConfigError("a source's deadline days must be at least 1")
    return DeadlineRules(days, hours, sources, urgent)


@cache
def default_rules() -> DeadlineRules:
    """The rules of `geo/rules/deadlines.toml`."""
    text = resources.files("geo.rules").joinpath("deadlines.toml").read_text(encoding="utf-8")
    return parse_rules(text)


def deadline_for(
    category: str,
    severity: int,
    reported_at: datetime,
    source: str | None = None,
    rules: DeadlineRules | None = None,
) -> datetime:
    """When a case of this category, severity (and source) reported then is due (aware)."""
    rules = rules or default_rules()
    if category not in rules.days:
        raise ValueError(f"unknown category {category!r}")
    if reported_at.tzinfo is None:
        raise ValueError("reported_at must be timezone-aware")
    statutory = rules.source_days.get(source or "", 0)
    if severity >= rules.urgent_severity and not statutory:
        return reported_at + timedelta(hours=rules.urgent_hours[category])
    days = max(rules.days[category], statutory)
    local = reported_at.astimezone(CST)
    # midnight at the end of the day `days` days on, counted on the calendar, not in hours
    return datetime.combine(local.date() + timedelta(days=days + 1), datetime.min.time(), CST)


def deadlines_for(
    category: pd.Series,
    severity: pd.Series,
    reported_at: pd.Series,
    source: pd.Series,
    rules: DeadlineRules | None = None,
) -> pd.Series:
    """`deadline_for` column by column (aware UTC timestamps; categories must be known)."""
    rules = rules or default_rules()
    days = mapped(category, rules.days).astype("int64")
    statutory = mapped(source, rules.source_days).fillna(0).astype("int64")
    urgent = (severity.astype("int64") >= rules.urgent_severity) & (statutory == 0)
    hours = mapped(category, rules.urgent_hours).astype("int64")
    local_day = reported_at.dt.tz_convert(CST).dt.normalize()
    normal = local_day + pd.to_timedelta(days.clip(lower=statutory) + 1, unit="D")
    due = normal.dt.tz_convert("UTC").where(~urgent, reported_at + pd.to_timedelta(hours, "h"))
    return due.astype("datetime64[us, UTC]")
