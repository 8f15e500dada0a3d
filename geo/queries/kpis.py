"""Key figures of incidents for an area and a period: one function, so every page agrees."""

from __future__ import annotations

from dataclasses import dataclass, fields

import psycopg2.extensions
import psycopg2.extras
from psycopg2 import sql

from geo.filters import SCOPE_COLUMNS, IncidentFilter, incident_conditions
from geo.sqlfiles import load_sql


@dataclass(frozen=True)
class Kpis:
    """Flows within a period (new, concluded …) and stocks at its end (open, overdue)."""

    new: int = 0
    open: int = 0
    overdue: int = 0
    concluded: int = 0
    resolved: int = 0
    concluded_late: int = 0
    escalated: int = 0
    major_new: int = 0
    major_open: int = 0
    mean_handling_hours: float | None = None
    p90_handling_hours: float | None = None

    @property
    def resolved_rate(self) -> float | None:
        """化解成功率: share of the cases concluded in the period that were resolved."""
        return self.resolved / self.concluded if self.concluded else None

    @property
    def overdue_rate(self) -> float | None:
        """Share of the open cases at the period's end that are past their deadline."""
        return self.overdue / self.open if self.open else None


_COUNTS = [f.name for f in fields(Kpis) if f.type in ("int", int)]


# Still open at the period's start. The coalesce form hides the condition from the
# resolution index, so that a query already narrowed to a few grids reads the grid index alone.
OPEN_AT_START = sql.SQL("(i.resolved_at IS NULL OR i.resolved_at >= %(start)s)")
OPEN_AT_START_BY_GRID = sql.SQL("coalesce(i.resolved_at, 'infinity') >= %(start)s")


def row_to_kpis(row: dict) -> Kpis:
    """A row of kpis.sql as key figures."""
    values = {name: int(row[name]) for name in _COUNTS}
    for name in ("mean_handling_hours", "p90_handling_hours"):
        values[name] = float(row[name]) if row[name] is not None else None
    return Kpis(**values)


def kpis_where(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    conditions: sql.Composable,
    params: dict,
    group_level: str | None = None,
    open_at_start: sql.Composable = OPEN_AT_START,
) -> dict[str | None, Kpis]:
    """Key figures of the incidents matching `conditions` over the filter's period, per group."""
    if group_level is None:
        group_column: sql.Composable = sql.SQL("NULL::text")
    else:
        group_column = sql.SQL("i.{}").format(sql.Identifier(SCOPE_COLUMNS[group_level]))
    query = sql.SQL(load_sql("kpis")).format(
        conditions=conditions, group_column=group_column, open_at_start=open_at_start
    )
    params = {**params, "start": flt.period.start, "end": flt.period.end}
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        # JIT compiling these aggregates costs more than it saves at any scale we serve
        cur.execute("SET LOCAL jit = off")
        cur.execute(query, params)
        return {row["group_code"]: row_to_kpis(row) for row in cur.fetchall()}


def kpis_by(
    conn: psycopg2.extensions.connection, flt: IncidentFilter, group_level: str | None = None
) -> dict[str | None, Kpis]:
    """Key figures per area of `group_level` (e.g. each street), or for the whole scope."""
    conditions, params = incident_conditions(flt)
    return kpis_where(conn, flt, conditions, params, group_level)


def area_kpis(conn: psycopg2.extensions.connection, flt: IncidentFilter) -> Kpis:
    """Key figures for the filter's whole scope and period (zeros when nothing matches)."""
    return kpis_by(conn, flt).get(None, Kpis())


def kpis_with_previous(
    conn: psycopg2.extensions.connection, flt: IncidentFilter
) -> tuple[Kpis, Kpis]:
    """Key figures for the period and for the period before it, for comparison."""
    return area_kpis(conn, flt), area_kpis(conn, flt.with_period(flt.period.previous()))
