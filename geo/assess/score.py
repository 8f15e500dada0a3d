"""Scorecards: each subject's indicators, composite score, grade and rank among its peers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import psycopg2.extensions

from geo.assess.measure import Counts, Subject, measure, subjects
from geo.assess.rules import INDICATORS, ScorecardRules, load_rules
from geo.drill.safety_index import Band, Contribution, weigh
from geo.filters import Period, Scope

# Why a subject has no score.
NO_CASES = "no_cases"  # nothing received, finished, open or followed up in the period
TOO_FEW = "too_few"  # some work, but every indicator's base is below its minimum


@dataclass(frozen=True)
class Scorecard:
    """One center's or grid's scorecard for a period."""

    subject: Subject
    counts: Counts
    score: float | None
    band: Band | None
    contributions: tuple[Contribution, ...]
    rank: int | None = None  # 1 = best among the peers of its level; None when not scored
    peers: int = 0  # scored subjects of the same level it was ranked among

    @property
    def unscored(self) -> str | None:
        """Why there is no score (None when there is one)."""
        if self.score is not None:
            return None
        return NO_CASES if self.counts.empty else TOO_FEW

    def contribution(self, key: str) -> Contribution:
        """The contribution of one indicator."""
        return next(c for c in self.contributions if c.key == key)


def indicator_value(key: str, counts: Counts, rules: ScorecardRules) -> tuple[float | None, int]:
    """An indicator's value (None when its base is zero) and that base."""
    numerator, base_name = INDICATORS[key]
    base = getattr(counts, base_name)
    if numerator == "satisfaction_points":
        top = counts.points(rules.answer_values)
    else:
        top = getattr(counts, numerator)
    return (top / base if base > 0 else None), base


def scorecard(subject: Subject, counts: Counts, rules: ScorecardRules) -> Scorecard:
    """A subject's scorecard (not yet ranked)."""
    measured = []
    for indicator in rules.indicators:
        value, base = indicator_value(indicator.key, counts, rules)
        rated = value is not None and base >= rules.minimum(indicator.key)
        measured.append((indicator, value, base, indicator.score(value) if rated else None))
    score, contributions = weigh(measured)
    band = rules.band(score) if score is not None else None
    return Scorecard(subject, counts, score, band, contributions)


def ranked(cards: list[Scorecard]) -> list[Scorecard]:
    """The cards with ranks among the scored cards of the same level (1 = highest; ties share
    a rank), best first within each level, unscored last."""
    by_level: dict[str, list[Scorecard]] = defaultdict(list)
    for card in cards:
        by_level[card.subject.level].append(card)
    out = []
    for level_cards in by_level.values():
        scored = sorted(
            (c for c in level_cards if c.score is not None),
            key=lambda c: (-round(c.score, 6), c.subject.code),
        )
        rank = 0
        previous: float | None = None
        for position, card in enumerate(scored, start=1):
            value = round(card.score, 6)
            if value != previous:
                rank, previous = position, value
            out.append(replace(card, rank=rank, peers=len(scored)))
        out += sorted((c for c in level_cards if c.score is None), key=lambda c: c.subject.code)
    return out


def compute_scorecards(
    conn: psycopg2.extensions.connection,
    period: Period,
    now: datetime,
    scope: Scope | None = None,
    rules: ScorecardRules | None = None,
    counts: Mapping[tuple[str, str], Counts] | None = None,
) -> list[Scorecard]:
    """Every center's and grid's scorecard in the scope over the period, ranked among the
    peers of the same level in that scope (the whole city when no scope is given); `counts`:
    the period's counts when measured already on the same connection's rows."""
    rules = rules or load_rules()
    scope = scope or Scope()
    if counts is None:
        counts = measure(conn, period, now, rules.accept_within_hours)
    cards = [
        scorecard(s, counts.get((s.kind, s.code), Counts()), rules)
        for s in subjects(conn)
        if s.in_scope(scope)
    ]
    return ranked(cards)
