"""What a safety report holds, gathered once for the workbook and the PDF alike."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg2.extensions

from geo.assess.area import AreaScorecards, area_scorecards
from geo.drill import queries as drill
from geo.drill.safety_index import SafetyRules, load_rules
from geo.drill.step import DrillStep
from geo.filters import IncidentFilter
from geo.queries.areas import AreaOutline


@dataclass(frozen=True)
class ReportContent:
    """A drill step plus the lists only the report shows, and the rules used."""

    step: DrillStep
    overdue: list[drill.OverdueCase]
    centers: list[drill.CenterLoad]
    children: list[AreaOutline]
    frame: list[AreaOutline]
    rules: SafetyRules
    scorecards: AreaScorecards


def gather(conn: psycopg2.extensions.connection, step: DrillStep) -> ReportContent:
    """The overdue cases, the centers' workload and the outlines for the step's area."""
    flt = IncidentFilter(step.period, scope=step.node.scope)
    return ReportContent(
        step=step,
        overdue=drill.overdue_cases(conn, flt),
        centers=drill.center_workloads(conn, flt),
        children=drill.child_outlines(conn, step.node.code),
        frame=drill.child_outlines(conn, step.node.code, itself=True),
        rules=load_rules(),
        # as of the period's end, like every other figure of the report
        scorecards=area_scorecards(conn, step.node.scope, step.period, step.period.end),
    )
