"""Grid colours for the map service, judged exactly as the live map judges them (last 7 days)."""

from __future__ import annotations

from datetime import datetime

from geo.filters import IncidentFilter, Scope, parse_period
from geo.live.grid_status import GridRules
from geo.live.view import LiveView
from geo.mapapi.tiles import GridColour

PERIOD = "7d"  # the live map's default window


def colour_filter(scope: Scope, now: datetime) -> IncidentFilter:
    """The filter the colours are judged on: every report of the last 7 days in the scope."""
    return IncidentFilter(parse_period(PERIOD, now), scope=scope)


def grid_colours(view: LiveView, rules: GridRules) -> dict[str, GridColour]:
    """The red and yellow grids of a live view with their reasons (the others are blue)."""
    return {
        g.measures.code: GridColour(
            g.color, "；".join(g.reasons(rules, "zh")), "; ".join(g.reasons(rules, "en"))
        )
        for g in view.grids
        if g.color != "blue"
    }
