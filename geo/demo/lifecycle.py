"""The closed loop of each generated case: deadline, handling, status and every event.

Each case gets a full schedule first (reported, assigned, perhaps returned to the level above
and assigned again, accepted, perhaps urged, escalated once or twice (each time accepted again
by the center above as quickly as it accepts any case), supervised when overdue (urging and
supervision come from the center above the holder: never to the city center), resolved,
closed after the follow-up call with the resident's answer (回访: 满意 / 基本满意 / 不满意 /
未联系上), and after a dissatisfied answer perhaps reopened (重新办理), resolved and closed
again); only the steps that happened before `now` become events, and the case's status,
center, handling level, escalations, resolved/closed times and result are read off
those events, so they always agree. Everything is vectorised.

Centers differ: each has a fixed quality (a standard normal drawn from its code, so the seed
and the live stream agree) that makes it quicker or slower to accept and finish, less or
more likely to send cases back or up, and its residents more or less satisfied. That is what
the scorecards (一体考评) and the safety index see differ from one area to another.

Rules: 小事不出村、大事不出镇、难事不出县、重大风险不出市. Severity 1-2 starts at the
community workstation, 3 at the street's command post, 4 and major risks at the district's
sub-center; letters, visits, petitions and court cases start at the command post at least.
A case handled at the workstation is accepted and resolved by the grid's worker
(`gw-<grid code>`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.demo import texts
from geo.vocabulary import CATEGORIES, SOURCES

LEVELS = ("workstation", "command_post", "sub_center", "city_center")
TOP = len(LEVELS) - 1  # the city center's level: no center above it
STATUSES = ("reported", "assigned", "in_progress", "resolved", "closed")
RESULTS = ("resolved", "unresolved", "withdrawn")
ANSWERS = ("satisfied", "basically_satisfied", "dissatisfied", "unreachable")
# Follow-up answers of a case resolved on time by an average center (12345 hotlines publish
# 满意+基本满意 rates of 90-98 %; about one call in ten does not reach the resident).
ANSWER_SHARES = (0.74, 0.17, 0.04, 0.05)
REOPEN_AFTER_DISSATISFIED = 0.25
# Deadline in days set by the channel rather than the category (信访: 60 days by the
# 信访工作条例; 诉前调解: 30 days).
SOURCE_DEADLINE_DAYS = {"letters_visits": 60, "petition": 60, "court_case": 30}

_DAY = 86_400
_CST = 8 * 3600
_SOURCE_CODES = list(SOURCES)
_CATEGORY_CODES = list(CATEGORIES)
_NONE = -1
_SAME = -2  # a self-loop event (urged, supervised): from = to = the status at that time


@dataclass(frozen=True)
class Cases:
    """What the lifecycle needs to know about each case (arrays of equal length)."""

    reported: np.ndarray  # epoch seconds
    category: np.ndarray  # index into CATEGORIES
    source: np.ndarray  # index into SOURCES
    severity: np.ndarray
    major: np.ndarray
    centers: np.ndarray  # (n, 4) center indices: workstation, post, sub-center, city center
    worker: np.ndarray  # grid index: the grid worker's id is gw-<grid code>


def run_lifecycle(
    cases: Cases,
    now: int,
    center_codes: np.ndarray,
    grid_codes: np.ndarray,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The incidents' lifecycle columns and their events (sorted by incident, then time)."""
    t0 = cases.reported.astype(np.int64)
    deadline = _deadlines(cases, t0)
    quality = center_quality(center_codes)
    plan = _schedule(cases, t0, deadline, quality[cases.centers], rng)
    actors = _Actors(center_codes, grid_codes)
    chain = _Chain(cases, actors)
    log = _EventLog(now, t0.min(initial=now))
    _log_intake(log, plan, cases, chain, t0)
    _log_escalations(log, plan, chain)
    final = _level_at(plan, now)
    _log_conclusion(log, plan, chain, final)
    events, status = log.events(actors.labels(), center_codes)
    return _state(plan, chain, t0, deadline, final, status, now, center_codes), events


class _Chain:
    """The centers and handlers up a case's chain of command, by level."""

    def __init__(self, cases: Cases, actors: _Actors) -> None:
        self.cases, self.actors = cases, actors
        self.rows = np.arange(len(cases.reported))

    def center(self, level: np.ndarray) -> np.ndarray:
        """The center at a level of each case's chain (the city center above level 3)."""
        return self.cases.centers[self.rows, np.minimum(level, 3)]

    def handler(self, level: np.ndarray) -> np.ndarray:
        """Who works the case at a level: the grid worker at level 0, else the center."""
        worker = self.actors.worker(self.cases.worker)
        return np.where(level == 0, worker, self.actors.center(self.center(level)))


def _log_intake(log: _EventLog, plan: dict, cases: Cases, chain: _Chain, t0: np.ndarray) -> None:
    """Reported, assigned, sent back and assigned again, accepted."""
    actors, center, handler = chain.actors, chain.center, chain.handler
    level0 = plan["level"]
    every = np.ones(len(t0), dtype=bool)
    reporter = np.where(
        cases.source == _SOURCE_CODES.index("grid_patrol"),
        actors.worker(cases.worker),
        actors.channel(cases.source),
    )
    log.add(every, t0, "reported", _NONE, "reported", reporter, _NONE, _NONE, "reported")
    first = center(level0)
    above = center(level0 + 1)
    log.add(
        every,
        plan["assigned"],
        "assigned",
        "reported",
        "assigned",
        actors.system,
        first,
        _NONE,
        "assigned",
    )
    ret = plan["returned_mask"]
    # 退回 goes back to the level above, which checks and assigns the case again
    log.add(
        ret,
        plan["returned"],
        "returned",
        "assigned",
        "assigned",
        actors.center(first),
        above,
        first,
        "returned",
    )
    log.add(
        ret,
        plan["reassigned"],
        "assigned",
        "assigned",
        "assigned",
        actors.center(above),
        first,
        above,
        "reassigned",
    )
    log.add(
        every,
        plan["accepted"],
        "accepted",
        "assigned",
        "in_progress",
        handler(level0),
        first,
        first,
        "accepted",
    )


def _log_escalations(log: _EventLog, plan: dict, chain: _Chain) -> None:
    """Escalations up the chain, each accepted again; urging and supervision from above."""
    actors, center, handler = chain.actors, chain.center, chain.handler
    level0 = plan["level"]
    for k in (1, 2):
        esc = plan["escalations"] >= k
        log.add(
            esc,
            plan[f"escalated{k}"],
            "escalated",
            "in_progress",
            "assigned",
            handler(level0 + k - 1),
            center(level0 + k),
            center(level0 + k - 1),
            "escalated",
        )
        log.add(
            esc,
            plan[f"reaccepted{k}"],
            "accepted",
            "assigned",
            "in_progress",
            handler(level0 + k),
            center(level0 + k),
            center(level0 + k),
            "accepted",
        )
    # from the center above the holder: the city center has none above it
    for action in ("urged", "supervised"):
        at = plan[action]
        level = _level_at(plan, at)
        log.add(
            plan[f"{action}_mask"] & (level < TOP),
            at,
            action,
            _SAME,
            _SAME,
            actors.center(center(level + 1)),
            center(level),
            center(level + 1),
            action,
        )


def _log_conclusion(log: _EventLog, plan: dict, chain: _Chain, final: np.ndarray) -> None:
    """Resolved and closed with the follow-up answer; some reopened, resolved and closed again."""
    actors, handler = chain.actors, chain.handler
    done = np.isfinite(plan["resolved"])
    holder = chain.center(final)
    result_note = (plan["result"], [f"result:{r}" for r in RESULTS])
    again = plan["reopened_mask"]
    # the first conclusion, then the second of the cases reopened after the follow-up call
    for mask, suffix in ((done, ""), (again, "2")):
        if suffix:
            log.add(
                mask,
                plan["reopened"],
                "reopened",
                "closed",
                "in_progress",
                actors.center(holder),
                holder,
                holder,
                "reopened",
            )
        log.add(
            mask,
            plan[f"resolved{suffix}"],
            "resolved",
            "in_progress",
            "resolved",
            handler(final),
            holder,
            holder,
            result_note,
        )
        answer = plan[f"answer{suffix}"]
        log.add(
            mask,
            plan[f"closed{suffix}"],
            "closed",
            "resolved",
            "closed",
            actors.system,
            holder,
            _NONE,
            (answer, [f"answer:{a}" for a in ANSWERS]),
            answer,
        )


def _level_at(plan: dict, at: np.ndarray | int) -> np.ndarray:
    """Each case's handling level at a time: its first level and the escalations made by then."""
    level = plan["level"]
    for k in (1, 2):
        level = level + (plan["escalations"] >= k) * (plan[f"escalated{k}"] <= at)
    return level


def _state(
    plan: dict,
    chain: _Chain,
    t0: np.ndarray,
    deadline: np.ndarray,
    final: np.ndarray,
    status: np.ndarray,
    now: int,
    center_codes: np.ndarray,
) -> dict[str, Any]:
    """The incidents' columns as of `now`, from the plan and the last event's status."""
    level0 = plan["level"]
    done = np.isfinite(plan["resolved"])
    holder = chain.center(final)
    again = plan["reopened_mask"]
    reopened = again & (plan["reopened"] <= now)
    last_resolved = np.where(reopened, plan["resolved2"], plan["resolved"])
    last_closed = np.where(reopened, plan["closed2"], plan["closed"])
    resolved = done & (last_resolved <= now)
    closed = done & (last_closed <= now)
    waiting = status == STATUSES.index("reported")
    state = {
        "reported_at": _utc(t0),
        "deadline_at": _utc(deadline),
        "status": pd.Categorical.from_codes(status, categories=list(STATUSES)),
        "assigned_center": pd.Categorical.from_codes(
            np.where(waiting, _NONE, holder), categories=list(center_codes)
        ),
        "handling_level": pd.Categorical.from_codes(
            np.where(waiting, _NONE, np.minimum(final, 3)), categories=list(LEVELS)
        ),
        "escalations": (final - level0).astype(np.int16),
        "resolved_at": _utc(np.where(resolved, last_resolved, np.nan)),
        "closed_at": _utc(np.where(closed, last_closed, np.nan)),
        "result": pd.Categorical.from_codes(
            np.where(resolved, plan["result"], _NONE), categories=list(RESULTS)
        ),
    }
    return state


def center_quality(center_codes: np.ndarray) -> np.ndarray:
    """Each center's fixed quality: a standard normal drawn from its code (higher is better)."""
    return np.array(
        [np.random.default_rng(zlib.crc32(str(code).encode())).normal() for code in center_codes]
    )


def _deadlines(cases: Cases, t0: np.ndarray) -> np.ndarray:
    """Deadline (epoch s): the end of the CST day N days on, or N hours for urgent cases."""
    days = np.array([CATEGORIES[c].deadline_days for c in _CATEGORY_CODES])[cases.category]
    by_source = np.array([SOURCE_DEADLINE_DAYS.get(s, 0) for s in _SOURCE_CODES])[cases.source]
    days = np.maximum(days, by_source)
    urgent_hours = np.array([CATEGORIES[c].urgent_hours for c in _CATEGORY_CODES])[cases.category]
    day_start = (t0 + _CST) // _DAY * _DAY - _CST
    normal = day_start + (days + 1) * _DAY
    urgent = (cases.severity >= 3) & (by_source == 0)
    return np.where(urgent, t0 + urgent_hours * 3600, normal)


def _schedule(
    cases: Cases,
    t0: np.ndarray,
    deadline: np.ndarray,
    quality: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Every step's time (epoch s, float; inf = never) and the case's choices.

    `quality` holds the quality of each case's four centers (workstation first).
    """
    n = len(t0)
    dispute = cases.category == _CATEGORY_CODES.index("dispute")
    slow_channel = cases.source >= _SOURCE_CODES.index("letters_visits")
    level = np.where(cases.severity >= 4, 2, np.where(cases.severity == 3, 1, 0))
    level = np.where(cases.major, 2, level)
    level = np.where(slow_channel, np.maximum(level, 1), level)
    q = quality[np.arange(n), level]  # the first handling center's

    assign_median = np.where(slow_channel, 6 * 3600, 15 * 60)
    assigned = t0 + assign_median * rng.lognormal(0, 1.0, n)
    accept_delay = 2 * 3600 * rng.lognormal(0, 1.2, n) * np.exp(-0.5 * q)
    returned_mask = rng.random(n) < 0.02 * np.exp(-0.5 * q)
    returned = assigned + 0.5 * accept_delay
    reassigned = returned + 2400 * rng.lognormal(0, 0.7, n)
    accepted = (
        np.where(returned_mask, reassigned, assigned)
        + np.where(returned_mask, 0.5, 1.0) * accept_delay
    )

    span = (deadline - t0).astype(float)
    sigma = np.where(dispute, 0.85, 0.75)
    pace = 0.22 * np.exp(-0.35 * q)
    resolved = np.maximum(t0 + pace * span * rng.lognormal(0, sigma), accepted + 600)
    # hard cases take far longer than allowed; a very few are never settled (积案)
    hard = rng.random(n) < 0.003 + 0.01 * dispute + 0.05 * cases.major
    late = deadline + span * rng.lognormal(0.4, 0.8, n)
    resolved[hard] = np.maximum(late, accepted + 600)[hard]
    stuck = rng.random(n) < 0.0005
    resolved[stuck] = np.inf
    overdue = resolved > deadline

    p_escalate = (0.012 + 0.15 * overdue + 0.3 * cases.major + 0.02 * dispute) * np.exp(-0.3 * q)
    escalations = (rng.random(n) < p_escalate) * (1 + (rng.random(n) < 0.3))
    escalations = np.minimum(escalations, 3 - level)
    end = np.where(stuck, np.maximum(deadline, accepted + _DAY), resolved)
    window = end - accepted
    escalated = {k: accepted + share * window for k, share in ((1, 0.3), (2, 0.6))}
    # the center above accepts an escalated case as quickly as it accepts any case (by its own
    # quality), and before the case's next step
    reaccepted = {}
    for k in escalated:
        delay = accept_delay * np.exp(-0.5 * (quality[np.arange(n), np.minimum(level + k, 3)] - q))
        reaccepted[k] = escalated[k] + np.minimum(delay, 0.05 * window)

    urged = deadline - 0.2 * span
    supervised = deadline + np.minimum(_DAY, 0.25 * span)
    result = np.zeros(n, dtype=np.int64)
    unresolved = rng.random(n) < np.where(dispute, 0.018, 0.007) * np.exp(-0.4 * q)
    result[unresolved] = 1
    result[rng.random(n) < 0.012] = 2
    closed = resolved + _DAY * rng.lognormal(0, 0.8, n)
    answer = _answers(q, overdue, result, rng)
    reopened_mask = np.isfinite(resolved) & (answer == ANSWERS.index("dissatisfied"))
    reopened_mask &= rng.random(n) < REOPEN_AFTER_DISSATISFIED
    reopened = closed + 3600 * rng.uniform(0.5, 24, n)
    resolved2 = reopened + np.maximum(0.3 * span * rng.lognormal(0, 0.6, n), 600)
    return {
        "level": level,
        "assigned": assigned,
        "returned_mask": returned_mask,
        "returned": returned,
        "reassigned": reassigned,
        "accepted": accepted,
        "escalations": escalations,
        "escalated1": escalated[1],
        "reaccepted1": reaccepted[1],
        "escalated2": escalated[2],
        "reaccepted2": reaccepted[2],
        "urged": urged,
        "urged_mask": (urged > accepted) & (urged < resolved) & (rng.random(n) < 0.6),
        "supervised": supervised,
        "supervised_mask": (supervised > accepted) & (supervised < resolved),
        "resolved": resolved,
        "result": result,
        "closed": closed,
        "answer": answer,
        "reopened_mask": reopened_mask,
        "reopened": reopened,
        "resolved2": resolved2,
        "closed2": resolved2 + _DAY * rng.lognormal(0, 0.8, n),
        "answer2": _answers(q + 1.0, np.zeros(n, dtype=bool), result, rng),
    }


def _answers(
    q: np.ndarray, late: np.ndarray, result: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The resident's answer to the follow-up call (index into ANSWERS): fewer satisfied when
    the case was late or not resolved, or its center is weaker; fewer reached too."""
    satisfied, basic, dissatisfied, unreachable = ANSWER_SHARES
    unhappy = np.exp(-0.6 * q) * np.where(late, 3.0, 1.0) * np.where(result == 1, 8.0, 1.0)
    away = unreachable * np.exp(-0.3 * q)
    dis = np.minimum(dissatisfied * unhappy, 0.9)
    basic_share = np.minimum(basic * np.sqrt(unhappy), 1 - dis)
    draw = rng.random(len(q))
    reached = 1 - away
    answer = np.full(len(q), ANSWERS.index("unreachable"), dtype=np.int8)
    answer[draw < reached] = ANSWERS.index("dissatisfied")
    answer[draw < reached * (1 - dis)] = ANSWERS.index("basically_satisfied")
    answer[draw < reached * (1 - dis - basic_share)] = ANSWERS.index("satisfied")
    return answer


class _Actors:
    """Actor labels as one index space: channels, 'system', center codes, grid workers."""

    def __init__(self, center_codes: np.ndarray, grid_codes: np.ndarray) -> None:
        self._centers = np.asarray(center_codes, dtype=object)
        self._grids = np.asarray(grid_codes, dtype=object)
        self.system = len(_SOURCE_CODES)

    def channel(self, source: np.ndarray) -> np.ndarray:
        return source

    def center(self, index: np.ndarray) -> np.ndarray:
        return self.system + 1 + index

    def worker(self, grid: np.ndarray) -> np.ndarray:
        return self.system + 1 + len(self._centers) + grid

    def labels(self) -> list[str]:
        return [*_SOURCE_CODES, "system", *self._centers, *("gw-" + self._grids)]


class _EventLog:
    """Events collected step by step (only those at or before now), then sorted."""

    _ACTIONS = (
        "reported",
        "assigned",
        "accepted",
        "escalated",
        "returned",
        "urged",
        "supervised",
        "resolved",
        "closed",
        "reopened",
    )

    def __init__(self, now: int, earliest: int) -> None:
        self.now = now
        self.earliest = earliest
        self.parts: list[dict[str, np.ndarray]] = []
        self.notes: dict[str, int] = {}

    def add(
        self,
        mask: np.ndarray,
        at: np.ndarray,
        action: str,
        from_status: str | int,
        to_status: str | int,
        actor: np.ndarray | int,
        center: np.ndarray | int,
        acting: np.ndarray | int,
        note: str | tuple[np.ndarray, list[str]],
        answer: np.ndarray | int = _NONE,
    ) -> None:
        """Add one step for the cases in mask whose time `at` is not after now.

        `center` is the center holding the case after the step, `acting` the center that
        took it (_NONE: a channel or the system); `note` is a note key, or (index per case,
        keys) to choose a key per case; `answer` the follow-up answer (index into ANSWERS).
        """
        keep = np.flatnonzero(mask & (at <= self.now))
        if isinstance(note, str):
            note_codes: np.ndarray | int = self._note(note)
        else:
            index, keys = note
            note_codes = np.array([self._note(k) for k in keys], dtype=np.int32)[index]
        self.parts.append(
            {
                "case": keep,
                "at": np.floor(at[keep]).astype(np.int64),
                "step": np.full(len(keep), len(self.parts), dtype=np.int64),
                "action": np.full(len(keep), self._ACTIONS.index(action), dtype=np.int8),
                "from": np.full(len(keep), _status(from_status), dtype=np.int8),
                "to": np.full(len(keep), _status(to_status), dtype=np.int8),
                "actor": _pick(actor, keep).astype(np.int32),
                "center": _pick(center, keep).astype(np.int32),
                "acting": _pick(acting, keep).astype(np.int32),
                "note": _pick(note_codes, keep).astype(np.int32),
                "answer": _pick(answer, keep).astype(np.int8),
            }
        )

    def _note(self, key: str) -> int:
        """The index of a note key's text (keys with the same text share it)."""
        return self.notes.setdefault(_note_text(key), len(self.notes))

    def events(
        self, actors: list[str], center_codes: np.ndarray
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """The sorted events, and each case's status after its last event."""
        cols = {key: np.concatenate([p[key] for p in self.parts]) for key in self.parts[0]}
        span = int(cols["at"].max(initial=self.earliest) - self.earliest) + 1
        step_bits, at_bits = len(self.parts).bit_length(), span.bit_length()
        at = cols["at"] - self.earliest
        key = (cols["case"] << (at_bits + step_bits)) | (at << step_bits) | cols["step"]
        order = np.argsort(key, kind="stable")
        cols = {k: v[order] for k, v in cols.items()}
        # self-loops take the status left by the previous (real) transition
        real = cols["to"] != _SAME
        last_real = np.maximum.accumulate(np.where(real, np.arange(len(real)), 0))
        cols["to"] = cols["to"][last_real]
        cols["from"] = np.where(real, cols["from"], cols["to"])
        last = np.flatnonzero(np.r_[cols["case"][1:] != cols["case"][:-1], True])
        status = cols["to"][last]
        labels = sorted(self.notes, key=self.notes.get)
        events = pd.DataFrame(
            {
                "incident_id": cols["case"] + 1,
                "at": _utc(cols["at"]),
                "action": pd.Categorical.from_codes(cols["action"], categories=list(self._ACTIONS)),
                "from_status": pd.Categorical.from_codes(cols["from"], categories=list(STATUSES)),
                "to_status": pd.Categorical.from_codes(cols["to"], categories=list(STATUSES)),
                "actor": pd.Categorical.from_codes(cols["actor"], categories=actors),
                "center_code": pd.Categorical.from_codes(
                    cols["center"], categories=list(center_codes)
                ),
                "note": pd.Categorical.from_codes(cols["note"], categories=labels),
                "acting_center": pd.Categorical.from_codes(
                    cols["acting"], categories=list(center_codes)
                ),
                "satisfaction": pd.Categorical.from_codes(cols["answer"], categories=list(ANSWERS)),
            }
        )
        return events, status


def _status(status: str | int) -> int:
    """A status index, or the _NONE / _SAME markers."""
    return status if isinstance(status, int) else STATUSES.index(status)


def _pick(value: np.ndarray | int, keep: np.ndarray) -> np.ndarray:
    """value at the kept rows (a scalar is broadcast)."""
    value = np.asarray(value)
    return np.full(len(keep), value) if value.ndim == 0 else value[keep]


def _note_text(key: str) -> str:
    """The Chinese note of a note key."""
    if key.startswith("result:"):
        return texts.RESOLVED_NOTES[key.removeprefix("result:")]
    if key.startswith("answer:"):
        return texts.FEEDBACK_NOTES[key.removeprefix("answer:")]
    return texts.NOTES[key]


def _utc(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds (NaN = missing) as timezone-aware UTC timestamps."""
    seconds = np.asarray(seconds, dtype=float)
    missing = ~np.isfinite(seconds)
    stamps = np.where(missing, 0, np.floor(seconds)).astype("int64").astype("datetime64[s]")
    stamps[missing] = np.datetime64("NaT")
    return pd.DatetimeIndex(stamps).tz_localize("UTC")
