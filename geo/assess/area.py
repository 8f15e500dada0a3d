"""The scorecards of one area and period: stored when the period was assessed, else counted.

The drill-down, the safety report and `minqing assess --area` list the centers serving an area
(and everything below it) and its grids, ranked among the peers of the same level in that
list. A finished period that `minqing assess` (or the monthly publication) stored is read back
with the rules it was made with; anything else is counted now, under the caller's scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from geo.assess.measure import Counts
from geo.assess.rules import ScorecardRules, load_rules
from geo.assess.score import Scorecard, compute_scorecards, ranked
from geo.assess.store import StoredRun, stored_run, stored_scorecards
from geo.filters import Period, Scope


@dataclass(frozen=True)
class AreaScorecards:
    """An area's scorecards, the rules they were made with, and where they come from."""

    cards: list[Scorecard]
    rules: ScorecardRules
    stored: StoredRun | None  # None: counted just now


def area_scorecards(
    conn: psycopg2.extensions.connection,
    scope: Scope,
    period: Period,
    now: datetime,
    measured: Callable[[], Mapping[tuple[str, str], Counts]] | None = None,
) -> AreaScorecards:
    """The scorecards of the centers and grids inside the scope over the period; `measured`
    gives the period's counts of everything the connection sees (`geo.assess.measure`, the
    same for every area: a page keeps them) when they are to be counted."""
    run = stored_run(conn, period.key)
    if run is not None and run.final and run.period == period:
        cards = [c for c in stored_scorecards(conn, run) if c.subject.in_scope(scope)]
        return AreaScorecards(ranked(cards), run.rules, run)
    rules = load_rules()
    counts = None if measured is None else measured()
    return AreaScorecards(compute_scorecards(conn, period, now, scope, rules, counts), rules, None)
