"""Time in China Standard Time: "today" and every period are counted in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from geo.settings import CHINA_TZ

CST = ZoneInfo(CHINA_TZ)


def now_utc() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)


def start_of_day_cst(moment: datetime) -> datetime:
    """Midnight in China Standard Time of the day containing `moment` (aware)."""
    local = moment.astimezone(CST)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def days_ago_cst(moment: datetime, days: int) -> datetime:
    """Midnight CST `days` days before the day containing `moment`."""
    return start_of_day_cst(moment) - timedelta(days=days)


def format_cst(moment: datetime) -> str:
    """`moment` shown in China Standard Time as 'YYYY-MM-DD HH:MM'."""
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M")
