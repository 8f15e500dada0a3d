"""The state machine of a case, as data: which action may go from which status to which.

Who may act is a relation between the acting center and the center holding the case (its
`assigned_center`; a case not yet routed is held by the city center):

- `holder`: the holding center itself;
- `above`: a center above the holder in the command chain (the city center is above all);
- `holder_or_above`: either.

Targets: `assign` goes to a lower center of the case's own chain (the centers serving its
district, street and community), `transfer` to another center of the holder's level,
`return` to the center that assigned the case (the holder's parent when no event says),
`escalate` to the holder's parent.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN = ("reported", "assigned", "in_progress")
DONE = ("resolved", "closed")
RESULTS = ("resolved", "unresolved", "withdrawn")
# The resident's answer to the follow-up call that closing a case records (回访, migration 100).
ANSWERS = ("satisfied", "basically_satisfied", "dissatisfied", "unreachable")


@dataclass(frozen=True)
class Transition:
    """One action: the statuses it starts from, where it leads, who may take it."""

    action: str  # what the desk calls it
    event: str  # the `incident_events.action` it records
    from_statuses: tuple[str, ...]
    to_status: str | None  # None: the status stays as it is
    who: str  # 'holder', 'above' or 'holder_or_above'
    target: str | None = None  # 'lower', 'same_level', 'assigner', 'parent'
    needs_overdue: bool = False
    needs_note: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("assign", "assigned", ("reported", "assigned"), "assigned", "holder", "lower"),
        Transition(
            "transfer", "transferred", ("reported", "assigned"), "assigned", "holder", "same_level"
        ),
        Transition(
            "return", "returned", ("reported", "assigned"), "assigned", "holder", "assigner"
        ),
        Transition("escalate", "escalated", OPEN, "assigned", "holder", "parent"),
        Transition("accept", "accepted", ("reported", "assigned"), "in_progress", "holder"),
        Transition("resolve", "resolved", ("in_progress",), "resolved", "holder"),
        Transition("close", "closed", ("resolved",), "closed", "holder_or_above"),
        Transition("reopen", "reopened", DONE, "in_progress", "holder_or_above"),
        Transition(
            "supervise", "supervised", OPEN, None, "above", needs_overdue=True, needs_note=True
        ),
        Transition("urge", "urged", OPEN, None, "above"),
    )
}
ACTIONS = tuple(TRANSITIONS)
