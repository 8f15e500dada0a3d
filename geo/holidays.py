"""China's public holidays that move reporting: the Spring Festival, Labour Day, National Day.

The forecaster (`geo.forecast`) takes them as calendar features and the demo generator
(`geo.demo.incidents`) makes its city quieter on them. The Spring Festival follows the lunar
calendar (its first day, 初一, is listed per year; the official break runs from the eve to the
sixth day); Labour Day (1–5 May) and National Day (1–7 October) are fixed.
"""

from __future__ import annotations

import numpy as np

# 初一 of each lunar new year.
SPRING_FESTIVAL = np.array(
    [
        "2023-01-22",
        "2024-02-10",
        "2025-01-29",
        "2026-02-17",
        "2027-02-06",
        "2028-01-26",
        "2029-02-13",
        "2030-02-03",
        "2031-01-23",
        "2032-02-11",
        "2033-01-31",
        "2034-02-19",
        "2035-02-08",
    ],
    dtype="datetime64[D]",
)
# Days of the official Spring Festival break relative to 初一 (the eve is day -1).
SPRING_BREAK = (-1, 6)


def spring_festival_days(dates: np.ndarray) -> np.ndarray:
    """True on the days of the Spring Festival break."""
    offset = dates.astype("datetime64[D]")[:, None] - SPRING_FESTIVAL[None, :]
    low, high = (np.timedelta64(d, "D") for d in SPRING_BREAK)
    return ((offset >= low) & (offset <= high)).any(axis=1)


def days_before_spring_festival(dates: np.ndarray, within: int) -> np.ndarray:
    """True on the `within` days before 初一 (when workers want their pay)."""
    until = SPRING_FESTIVAL[None, :] - dates.astype("datetime64[D]")[:, None]
    return ((until >= np.timedelta64(0, "D")) & (until <= np.timedelta64(within, "D"))).any(axis=1)


def golden_week_days(dates: np.ndarray) -> np.ndarray:
    """True on Labour Day (1–5 May) and National Day (1–7 October)."""
    days = dates.astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    day = (days - days.astype("datetime64[M]")).astype(int) + 1
    return ((month == 5) & (day <= 5)) | ((month == 10) & (day <= 7))


def holiday_days(dates: np.ndarray) -> np.ndarray:
    """True on the days of any of these holidays."""
    return spring_festival_days(dates) | golden_week_days(dates)
