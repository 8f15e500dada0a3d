"""Grid colours for the map service, judged exactly as the live map judges them (last 7 days)."""

from __future__ import annotations

from datetime import datetime

import psycopg2.extensions

from geo.filters import IncidentFilter, Scope, parse_period
from geo.live import queries as live
from geo.live.grid_status import GridRules
from geo.live.view import Static, live_view, needs_history
from geo.mapapi.tiles import GridColour

PERIOD = "7d"  # the live map's default window


def colour_filter(scope: Scope, now: datetime) -> IncidentFilter:
    """The filter the colours are judged on: every report of the last 7 days in the scope."""
    return IncidentFilter(parse_period(PERIOD, now), scope=scope)


def history_key(static: Static, flt: IncidentFilter, now: datetime) -> tuple:
    """What the kept history of a colour refresh depends on (as the live map keys it)."""
    window = live.plan_window(flt.period, now)
    return (static.version, flt.scope, window.lo, window.history_hi, window.prev_lo)


def grid_colours(
    conn: psycopg2.extensions.connection,
    flt: IncidentFilter,
    now: datetime,
    static: Static,
    rules: GridRules,
    past: live.FlowTable | None = None,
) -> tuple[dict[str, GridColour], live.FlowTable | None]:
    """The red and yellow grids of the scope with their reasons (the others are blue), and the
    history to keep for the next refresh of the same day."""
    window = live.plan_window(flt.period, now)
    cell = live.HeatCell.for_level(flt.scope.level)
    if past is None and needs_history(flt, window):
        past = live.history(conn, flt, window, cell)
    view = live_view(conn, flt, now, static, rules, past)
    colours = {
        g.measures.code: GridColour(
            g.color, "；".join(g.reasons(rules, "zh")), "; ".join(g.reasons(rules, "en"))
        )
        for g in view.grids
        if g.color != "blue"
    }
    return colours, past
