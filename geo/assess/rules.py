"""The scorecards' rules (一体考评): indicators, weights, anchors and grades from a TOML file."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from geo.drill.safety_index import (
    Band,
    Indicator,
    bands_from,
    check_weighted,
    indicators_from,
    read_rules_text,
)
from geo.errors import ConfigError

# What each indicator measures: (numerator, base) among a subject's counts (`Counts` fields).
INDICATORS = {
    "accept_on_time_rate": ("accepted_on_time", "accept_due"),
    "finish_on_time_rate": ("finished_on_time", "finished"),
    "overdue_rate": ("overdue_end", "open_end"),
    "return_rate": ("returned", "received"),
    "reopen_rate": ("reopened", "finished"),
    "supervision_rate": ("supervised", "received"),
    "escalation_rate": ("escalated", "received"),
    "satisfaction_rate": ("satisfaction_points", "contacted"),
}
# The follow-up answers (回访), in the order of `follow_up_answers` (migration 100).
ANSWERS = ("satisfied", "basically_satisfied", "dissatisfied", "unreachable")
ANSWER_ZH = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "unreachable": "未联系上",
}
DEFAULT_RULES = Path(str(resources.files("geo.rules").joinpath("scorecard.toml")))


@dataclass(frozen=True)
class ScorecardRules:
    """Indicators, grades and thresholds of the scorecards, and the text they came from."""

    indicators: tuple[Indicator, ...]
    bands: tuple[Band, ...]
    accept_within_hours: float
    min_cases: int
    min_follow_ups: int
    answer_values: dict[str, float]
    version: str  # the file's version number and a digest of its text: "1:3fa2c1d0"
    text: str

    def band(self, score: float) -> Band:
        """The grade a score falls in."""
        return next((b for b in self.bands if score >= b.min), self.bands[-1])

    def minimum(self, key: str) -> int:
        """The smallest base on which an indicator is rated."""
        return self.min_follow_ups if key == "satisfaction_rate" else self.min_cases


def parse_rules(text: str) -> ScorecardRules:
    """Rules from TOML text; a clear ConfigError for anything missing or inconsistent."""
    try:
        data = tomllib.loads(text)
        values = data["satisfaction"]
        rules = ScorecardRules(
            indicators=indicators_from(data),
            bands=bands_from(data),
            accept_within_hours=float(data["accept_within_hours"]),
            min_cases=int(data["min_cases"]),
            min_follow_ups=int(data["min_follow_ups"]),
            answer_values={a: float(values[a]) for a in ANSWERS[:3]},
            version=f"{data.get('version', 0)}:{hashlib.sha256(text.encode()).hexdigest()[:8]}",
            text=text,
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"the scorecard rules are malformed: {exc!r}") from None
    _check(rules)
    return rules


def _check(rules: ScorecardRules) -> None:
    check_weighted(rules.indicators, rules.bands, INDICATORS, "scorecard")
    if rules.accept_within_hours <= 0 or rules.min_cases < 1 or rules.min_follow_ups < 1:
        raise ConfigError("accept_within_hours, min_cases and min_follow_ups must be above 0")
    if any(not 0 <= v <= 1 for v in rules.answer_values.values()):
        raise ConfigError("a follow-up answer's value must lie between 0 and 1")


@cache
def load_rules(path: Path = DEFAULT_RULES) -> ScorecardRules:
    """The rules in a file (the packaged default unless another path is given), read once."""
    return parse_rules(read_rules_text(path, "scorecard"))
