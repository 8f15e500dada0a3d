"""What each center and each small grid did over a period: the counts a scorecard rates.

One statement (`geo/sql/assess_counts.sql`) reads the period's events once and counts, per
center and per grid, the cases received, accepted on time, finished (on time), open and overdue
at the end, sent back, reopened, supervised, escalated, and the follow-up answers. Under the
app role the counts cover the rows the user's scope may see (row-level security).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

import psycopg2.extensions

from geo.errors import MinqingError
from geo.filters import Period, Scope
from geo.sqlfiles import load_sql


class AssessError(MinqingError):
    """A scorecard cannot be made for what was asked."""

    default_message = "No scorecard can be made for this period"


@dataclass(frozen=True)
class Counts:
    """A subject's counts over a period (a case counts once per center it reached)."""

    received: int = 0
    accept_due: int = 0  # receipts whose acceptance can be judged
    accepted_on_time: int = 0
    finished: int = 0  # 办结: resolved in the period (a center's: received before the deadline)
    finished_on_time: int = 0
    open_end: int = 0  # open at the end of the period (a center's: held, received in time)
    overdue_end: int = 0
    returned: int = 0  # 退回 by the center
    reopened: int = 0  # 重新办理 of a case it held
    supervised: int = 0  # 督办 of a case it held
    escalated: int = 0  # 上报 by the center to the level above
    follow_ups: int = 0  # 回访归档 of cases it held
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    unreachable: int = 0

    @property
    def contacted(self) -> int:
        """Follow-ups in which the resident was reached and answered."""
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def unanswered(self) -> int:
        """Follow-ups recorded without an answer (closed before answers were recorded)."""
        return self.follow_ups - self.contacted - self.unreachable

    @property
    def empty(self) -> bool:
        """True when the subject had nothing to do in the period."""
        return not any(getattr(self, f.name) for f in fields(self))

    def points(self, values: dict[str, float]) -> float:
        """The satisfaction rate's numerator: each answer weighted by its value."""
        return sum(getattr(self, answer) * value for answer, value in values.items())


COUNT_FIELDS = tuple(f.name for f in fields(Counts))


# A subject's level: the four center levels top down, then the small grid.
LEVELS = ("city_center", "sub_center", "command_post", "workstation", "grid")


@dataclass(frozen=True)
class Subject:
    """A center or a small grid, with the area codes it belongs to."""

    kind: str  # 'center' or 'grid'
    code: str
    name: str
    level: str  # the center's level, or 'grid'
    parent_code: str | None
    district_code: str | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None

    def in_scope(self, scope: Scope) -> bool:
        """True when the subject serves (or lies in) an area inside the scope.

        The centers above a scope (the city center for a district) are not in it: their
        work covers areas the scope does not see.
        """
        if scope.level == "city":
            return True
        column = {
            "district": self.district_code,
            "street": self.street_code,
            "community": self.community_code,
            "grid": self.grid_code,
        }
        return column[scope.level] == scope.code


def subjects(conn: psycopg2.extensions.connection) -> list[Subject]:
    """Every center and every grid of the current boundaries (those the role may see)."""
    with conn.cursor() as cur:
        cur.execute(load_sql("assess_subjects"))
        return [Subject(*row) for row in cur.fetchall()]


def state_time(period: Period, now: datetime) -> datetime:
    """When the period's end state is read: its end, or now while it runs."""
    if period.start >= now:
        raise AssessError(f"the period {period.key} has not begun")
    return min(period.end, now)


def measure(
    conn: psycopg2.extensions.connection,
    period: Period,
    now: datetime,
    accept_within_hours: float,
) -> dict[tuple[str, str], Counts]:
    """Counts per ('center' | 'grid', code) over the period (absent: nothing happened)."""
    params = {
        "start": period.start,
        "end": period.end,
        "state_at": state_time(period, now),
        "now": now,
        "accept_hours": accept_within_hours,
    }
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute(load_sql("assess_counts"), params)
        rows = cur.fetchall()
    out = {}
    for by_grid, code, *values in rows:
        counts = Counts(*map(int, values[: len(COUNT_FIELDS)]))
        inherited_finished, inherited_open = values[len(COUNT_FIELDS) :]
        if not by_grid:  # a center answers for what it had in time (a grid for all its cases)
            counts = replace(
                counts,
                finished=counts.finished - inherited_finished,
                open_end=counts.open_end - inherited_open,
                overdue_end=counts.overdue_end - inherited_open,
            )
        out[("grid" if by_grid else "center", code)] = counts
    return out
