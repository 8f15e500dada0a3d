"""The warning scan: every enabled rule run set-based in PostGIS, its findings upserted."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg2.extensions
from psycopg2 import sql

from geo.sqlfiles import load_sql
from geo.timeutil import now_utc
from geo.warnings.rules import KINDS, ClusterRule, RepeatRule, SurgeRule, WarningRules, load_rules

SCAN_ACTOR = "system:scan"


@dataclass(frozen=True)
class RuleCount:
    """What one rule did in a scan: places found, warnings raised and updated, seconds taken."""

    kind: str
    found: int
    raised: int
    updated: int
    seconds: float


@dataclass(frozen=True)
class ScanResult:
    """A scan's counts per rule (rules switched off are absent) and its instant."""

    now: datetime
    rules: tuple[RuleCount, ...]

    @property
    def raised(self) -> int:
        """New warnings, all rules."""
        return sum(r.raised for r in self.rules)

    @property
    def updated(self) -> int:
        """Active warnings found again and updated, all rules."""
        return sum(r.updated for r in self.rules)

    @property
    def seconds(self) -> float:
        """Time taken by all rules."""
        return sum(r.seconds for r in self.rules)

    def lines(self) -> list[str]:
        """One line per rule and a total, for the command line."""
        out = [
            f"{r.kind:<17} found {r.found:>5,}  new {r.raised:>5,}  updated {r.updated:>5,}"
            f"  {r.seconds:6.2f} s"
            for r in self.rules
        ]
        out.append(
            f"{'total':<17} new {self.raised:,}, updated {self.updated:,} in {self.seconds:.2f} s"
        )
        return out


def _surge_params(rule: SurgeRule, now: datetime) -> dict:
    recent_from = now - timedelta(days=rule.recent_days)
    return {
        "recent_days": rule.recent_days,
        "baseline_days": rule.baseline_days,
        "recent_from": recent_from,
        "base_from": recent_from - timedelta(days=rule.baseline_days),
        "z": rule.z,
        "min_count": rule.min_count,
        "min_ratio": rule.min_ratio,
        "min_expected": rule.min_expected,
    }


def _cluster_params(rule: ClusterRule, now: datetime) -> dict:
    return {
        "start": now - timedelta(hours=rule.hours),
        "hours": rule.hours,
        "radius_m": rule.radius_m,
        "min_points": rule.min_points,
        "min_addresses": rule.min_addresses,
        "srid": rule.srid,
    }


def _repeat_params(rule: RepeatRule, now: datetime) -> dict:
    return {
        "start": now - timedelta(days=rule.days),
        "days": rule.days,
        "min_reports": rule.min_reports,
    }


def rule_params(kind: str, rules: WarningRules, now: datetime) -> dict:
    """The query parameters of one rule at `now`."""
    rule = rules.rule(kind)
    if isinstance(rule, SurgeRule):
        return _surge_params(rule, now)
    if isinstance(rule, ClusterRule):
        return _cluster_params(rule, now)
    return _repeat_params(rule, now)


def scan_warnings(
    conn: psycopg2.extensions.connection,
    now: datetime | None = None,
    rules: WarningRules | None = None,
    actor: str = SCAN_ACTOR,
) -> ScanResult:
    """Run every enabled rule at `now` and upsert its warnings, in the caller's transaction.

    Set-based: one statement per rule. Nothing is closed; the caller commits.
    """
    now = now or now_utc()
    rules = rules or load_rules()
    counts = []
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        for kind in KINDS:
            if not rules.rule(kind).enabled:
                continue
            started = time.perf_counter()
            query = sql.SQL(load_sql("warnings_upsert")).format(
                candidates=sql.SQL(load_sql(f"warnings_{kind}"))
            )
            params = {
                **rule_params(kind, rules, now),
                "now": now,
                "reopen_after_hours": rules.reopen_after_hours,
                "actor": actor,
            }
            cur.execute(query, params)
            found, raised, updated = cur.fetchone()
            counts.append(RuleCount(kind, found, raised, updated, time.perf_counter() - started))
    return ScanResult(now, tuple(counts))
