"""The periods the drill-down offers in its selector: recent months and weeks, in words."""

from __future__ import annotations

from datetime import datetime, timedelta

from geo.timeutil import CST
from geo.vocabulary import PERIOD_WORDS, name

EARLIER_MONTHS = 10  # months offered before last month, by their number only


def period_choices(now: datetime, lang: str = "zh") -> dict[str, str]:
    """Period texts (what `geo.filters.parse_period` reads) and their labels, in the order
    offered: this and last month, this and last week (ISO weeks), the last 7 and 30 days, then
    the ten months before last month (China time)."""
    today = now.astimezone(CST).date()
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    week = today.isocalendar()
    last_week = (today - timedelta(days=7)).isocalendar()
    this_week_key = f"{week.year}-W{week.week:02d}"
    last_week_key = f"{last_week.year}-W{last_week.week:02d}"

    def word(key: str) -> str:
        return name(PERIOD_WORDS, key, lang)

    choices = {
        f"{month:%Y-%m}": f"{word('this_month')} ({month:%Y-%m})",
        f"{last_month:%Y-%m}": f"{word('last_month')} ({last_month:%Y-%m})",
        this_week_key: f"{word('this_week')} ({this_week_key})",
        last_week_key: f"{word('last_week')} ({last_week_key})",
        "7d": word("last_7"),
        "30d": word("last_30"),
    }
    earlier = last_month
    for _ in range(EARLIER_MONTHS):
        earlier = (earlier - timedelta(days=1)).replace(day=1)
        choices[f"{earlier:%Y-%m}"] = f"{earlier:%Y-%m}"
    return choices
