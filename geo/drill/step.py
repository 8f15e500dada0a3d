"""One drill-down step: everything the page and the safety report show for an area and period.

The page, the report and the benchmark all call `drill_step`, so their figures agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import perf_counter

import psycopg2.extensions

from geo.drill import queries as drill
from geo.drill.rollup import AreaCounts
from geo.drill.safety_index import IndexInputs, SafetyIndex, SafetyRules, load_rules, safety_index
from geo.errors import MinqingError
from geo.filters import IncidentFilter, Period, parse_period
from geo.timeutil import CST


class AreaNotFound(MinqingError):
    """No current area has the code asked for."""

    default_message = "No area has this code in the current boundaries"


@dataclass(frozen=True)
class Figures:
    """An area's counts over a period and its safety index."""

    counts: AreaCounts
    index: SafetyIndex


@dataclass(frozen=True)
class ChildRow:
    """One child area in the ranking: its figures, and the previous period's index."""

    area: drill.ChildArea
    figures: Figures
    previous_index: float | None


@dataclass(frozen=True)
class DrillStep:
    """What one step of the drill-down shows."""

    node: drill.AreaNode
    crumbs: list[drill.Crumb]
    period: Period
    previous: Period
    current: Figures
    before: Figures
    children: list[ChildRow]
    trend: list[drill.TrendPoint]
    categories: list[drill.BreakdownRow]
    sources: list[drill.BreakdownRow]
    timings: dict[str, float] = field(default_factory=dict)

    def ranked(self) -> list[ChildRow]:
        """Children from the lowest safety index (most attention) to the highest.

        Only indexes that rest on enough reports are ranked; those on too few follow (by name
        order of code), then the unrated.
        """

        def order(row: ChildRow) -> tuple[int, float, str]:
            index = row.figures.index
            group = 0 if index.rankable else 1 if index.value is not None else 2
            return group, (index.value or 0.0) if group == 0 else 0.0, row.area.code

        return sorted(self.children, key=order)

    def rank_count(self) -> int:
        """How many children have a rankable index (they come first in `ranked`)."""
        return sum(1 for row in self.children if row.figures.index.rankable)


def default_period(now: datetime) -> str:
    """The period the drill-down opens on: the last full calendar month (China time), 'YYYY-MM'.

    The month so far rests on a handful of reports in its first days; the last full month is
    complete and the same for everyone who opens the page that month.
    """
    first = now.astimezone(CST).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def figures(counts: AreaCounts, population: int, period: Period, rules: SafetyRules) -> Figures:
    """Counts and the index they give for an area of this population over this period."""
    inputs = IndexInputs(
        kpis=counts.kpis,
        population=population,
        days=period.days,
        new_in_categories=counts.new_in_categories,
        repeats=counts.repeats,
    )
    return Figures(counts, safety_index(inputs, rules))


def drill_step(
    conn: psycopg2.extensions.connection,
    code: str | None,
    period_text: str,
    now: datetime,
    rules: SafetyRules | None = None,
) -> DrillStep:
    """The area (the city when None), its children, figures, trend and breakdowns."""
    rules = rules or load_rules()
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    node = clock("area", lambda: drill.area_node(conn, code))
    if node is None:
        raise AreaNotFound(f"no current area has the code {code!r}")
    crumbs = drill.breadcrumb(conn, node.code)
    period, previous = drill.review_period(parse_period(period_text, now), now)
    flt = IncidentFilter(period, scope=node.scope)
    cats = rules.categories
    current, before = clock("kpis", lambda: drill.area_counts_pair(conn, flt, previous, cats))
    rows: list[ChildRow] = []
    if node.child_level is not None:
        kids = drill.children(conn, node.code)
        codes = [k.code for k in kids]

        now_counts, then_counts = clock(
            "children",
            lambda: drill.child_counts(conn, flt, previous, node.child_level, codes, cats),
        )
        for kid in kids:
            then_index = figures(then_counts[kid.code], kid.population, previous, rules).index
            rows.append(
                ChildRow(
                    kid,
                    figures(now_counts[kid.code], kid.population, period, rules),
                    then_index.value,
                )
            )
    trend = clock("trend", lambda: drill.trend(conn, flt))
    categories = clock("categories", lambda: drill.breakdown(conn, flt, previous, "category"))
    sources = clock("sources", lambda: drill.breakdown(conn, flt, previous, "source"))
    return DrillStep(
        node=node,
        crumbs=crumbs,
        period=period,
        previous=previous,
        current=figures(current, node.population, period, rules),
        before=figures(before, node.population, previous, rules),
        children=rows,
        trend=trend,
        categories=categories,
        sources=sources,
        timings=timings,
    )


class _Clock:
    """Times each part of a step (seconds), for the benchmark and the page's footer."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def __call__(self, name: str, work: Callable):  # noqa: ANN204 - returns what work returns
        start = perf_counter()
        result = work()
        self.timings[name] = perf_counter() - start
        return result
