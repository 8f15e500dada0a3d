"""平安指数: a weighted index (0–100) of an area's indicators, rules in `rules/safety_index.toml`.

Each indicator is a rate, scored on a straight line between a `good` (100) and a `bad` (0)
anchor; the index is the weighted mean of the scores of the indicators that can be rated, and
each indicator's contribution (points won and lost) is kept so a page can show why.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from geo.errors import ConfigError
from geo.queries.kpis import Kpis
from geo.vocabulary import CATEGORIES

# What each indicator key measures: the base it is rated on ('population' or 'cases').
INDICATOR_BASES = {
    "incident_rate": "population",
    "major_risk_rate": "population",
    "resolved_rate": "cases",
    "overdue_rate": "cases",
    "repeat_rate": "cases",
    "escalation_rate": "cases",
}


@dataclass(frozen=True)
class Indicator:
    """One indicator: its key, names, weight and the anchors scoring 100 (good) and 0 (bad)."""

    key: str
    zh: str
    en: str
    weight: float
    good: float
    bad: float

    def score(self, value: float) -> float:
        """The 0–100 score of a value: linear between the anchors, clipped outside them."""
        share = (self.bad - value) / (self.bad - self.good)
        return 100.0 * min(1.0, max(0.0, share))

    def label(self, lang: str = "zh") -> str:
        """The display name."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Band:
    """A named range of the index (平安, 良好, 关注, 预警) and its colour."""

    key: str
    min: float
    zh: str
    en: str
    color: str

    def label(self, lang: str = "zh") -> str:
        """The display name."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class SafetyRules:
    """The index's indicators, bands and thresholds, as read from the rules file."""

    indicators: tuple[Indicator, ...]
    bands: tuple[Band, ...]
    categories: tuple[str, ...]
    rate_days: float = 30.0
    min_population: int = 200
    min_cases: int = 5
    min_reports: int = 20

    def band(self, index: float) -> Band:
        """The band an index value falls in."""
        for band in self.bands:
            if index >= band.min:
                return band
        return self.bands[-1]


DEFAULT_RULES = Path(str(resources.files("geo.rules").joinpath("safety_index.toml")))


def indicators_from(data: dict) -> tuple[Indicator, ...]:
    """The `[[indicator]]` tables of a rules file (KeyError/ValueError when malformed)."""
    return tuple(
        Indicator(
            key=str(item["key"]),
            zh=str(item["zh"]),
            en=str(item["en"]),
            weight=float(item["weight"]),
            good=float(item["good"]),
            bad=float(item["bad"]),
        )
        for item in data["indicator"]
    )


def bands_from(data: dict) -> tuple[Band, ...]:
    """The `[[band]]` tables of a rules file, highest first (KeyError/ValueError when malformed)."""
    bands = (
        Band(str(b["key"]), float(b["min"]), str(b["zh"]), str(b["en"]), str(b["color"]))
        for b in data["band"]
    )
    return tuple(sorted(bands, key=lambda band: -band.min))


def parse_rules(text: str) -> SafetyRules:
    """Rules from TOML text; a clear ConfigError for anything missing or inconsistent."""
    try:
        data = tomllib.loads(text)
        rules = SafetyRules(
            indicators=indicators_from(data),
            bands=bands_from(data),
            categories=tuple(data.get("categories", list(CATEGORIES))),
            rate_days=float(data.get("rate_days", 30)),
            min_population=int(data.get("min_population", 200)),
            min_cases=int(data.get("min_cases", 5)),
            min_reports=int(data.get("min_reports", 20)),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"the safety index rules are malformed: {exc!r}") from None
    _check(rules)
    return rules


def check_weighted(
    indicators: tuple[Indicator, ...], bands: tuple[Band, ...], known: Iterable[str], what: str
) -> None:
    """The checks every weighted index's rules pass (`what` names it in the messages)."""
    keys = [i.key for i in indicators]
    unknown = sorted(set(keys) - set(known))
    if unknown:
        raise ConfigError(f"unknown {what} indicators: {', '.join(unknown)}")
    if len(set(keys)) != len(keys):
        raise ConfigError(f"a {what} indicator is listed twice")
    if any(i.weight < 0 for i in indicators) or sum(i.weight for i in indicators) <= 0:
        raise ConfigError(f"{what} weights must be >= 0 and not all zero")
    if any(i.good == i.bad for i in indicators):
        raise ConfigError("an indicator's good and bad anchors must differ")
    if not bands or min(b.min for b in bands) > 0:
        raise ConfigError(f"the {what} bands must cover 0")


def read_rules_text(path: Path, what: str) -> str:
    """The text of a rules file; a ConfigError that names it when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} rules {path}: {exc.strerror}") from None


def _check(rules: SafetyRules) -> None:
    check_weighted(rules.indicators, rules.bands, INDICATOR_BASES, "safety index")
    unknown_categories = sorted(set(rules.categories) - set(CATEGORIES))
    if unknown_categories:
        raise ConfigError(f"unknown categories in the safety index: {unknown_categories}")


@cache
def load_rules(path: Path = DEFAULT_RULES) -> SafetyRules:
    """The rules in a file (the packaged default unless another path is given), read once."""
    return parse_rules(read_rules_text(path, "safety index"))


@dataclass(frozen=True)
class IndexInputs:
    """What the index needs about one area and period: the key figures and a few counts more."""

    kpis: Kpis
    population: int
    days: float
    new_in_categories: int  # new cases in the rules' categories
    repeats: int  # new cases from an address that already reported earlier in the period


@dataclass(frozen=True)
class Contribution:
    """One indicator for one area: value, base, 0–100 score, effective weight, points won/lost."""

    key: str
    value: float | None
    base: int
    score: float | None
    weight: float
    points: float
    lost: float

    @property
    def rated(self) -> bool:
        """False when the base was too small to rate the indicator."""
        return self.score is not None


@dataclass(frozen=True)
class SafetyIndex:
    """The index of an area and period (None when nothing could be rated) and why.

    `sparse` marks an index that rests on fewer new reports than the rules' `min_reports`:
    shown with "样本不足", never ranked.
    """

    value: float | None
    band: Band | None
    contributions: tuple[Contribution, ...]
    sparse: bool = False

    @property
    def rankable(self) -> bool:
        """True when the index has a value that rests on enough reports to be ranked."""
        return self.value is not None and not self.sparse

    def contribution(self, key: str) -> Contribution:
        """The contribution of one indicator."""
        return next(c for c in self.contributions if c.key == key)


def indicator_value(key: str, inputs: IndexInputs, rules: SafetyRules) -> tuple[float | None, int]:
    """An indicator's value for the inputs (None when its base is zero) and that base."""
    k = inputs.kpis
    per_month = rules.rate_days / inputs.days if inputs.days > 0 else 0.0
    if key == "incident_rate":
        return _ratio(inputs.new_in_categories * 1000 * per_month, inputs.population)
    if key == "major_risk_rate":
        return _ratio(k.major_new * 100_000 * per_month, inputs.population)
    if key == "resolved_rate":
        return _ratio(k.resolved, k.concluded)
    if key == "overdue_rate":
        # cases handled late or still open past their deadline, of all the period's workload
        return _ratio(k.concluded_late + k.overdue, k.concluded + k.open)
    if key == "repeat_rate":
        return _ratio(inputs.repeats, k.new)
    if key == "escalation_rate":
        return _ratio(k.escalated, k.new)
    raise ConfigError(f"unknown safety index indicator {key!r}")


def _ratio(numerator: float, base: int) -> tuple[float | None, int]:
    return (numerator / base if base > 0 else None), base


def weigh(
    measured: list[tuple[Indicator, float | None, int, float | None]],
) -> tuple[float | None, tuple[Contribution, ...]]:
    """The weighted mean of the rated scores (None when none is rated) and each contribution.

    `measured` holds (indicator, value, base, score or None when not rated).
    """
    total = sum(ind.weight for ind, _, _, score in measured if score is not None)
    contributions = tuple(
        Contribution(
            key=ind.key,
            value=value,
            base=base,
            score=score,
            weight=ind.weight / total if score is not None and total else 0.0,
            points=ind.weight * score / total if score is not None and total else 0.0,
            lost=ind.weight * (100 - score) / total if score is not None and total else 0.0,
        )
        for ind, value, base, score in measured
    )
    if not total:
        return None, contributions
    # the points add up to the weighted mean; rounding must not take it past 100
    return min(100.0, sum(c.points for c in contributions)), contributions


def safety_index(inputs: IndexInputs, rules: SafetyRules | None = None) -> SafetyIndex:
    """The index of one area and period, with every indicator's contribution."""
    rules = rules or load_rules()
    measured = []
    for indicator in rules.indicators:
        value, base = indicator_value(indicator.key, inputs, rules)
        minimum = (
            rules.min_population
            if INDICATOR_BASES[indicator.key] == "population"
            else rules.min_cases
        )
        score = indicator.score(value) if value is not None and base >= minimum else None
        measured.append((indicator, value, base, score))
    value, contributions = weigh(measured)
    sparse = inputs.kpis.new < rules.min_reports
    if value is None:
        return SafetyIndex(None, None, contributions, sparse)
    return SafetyIndex(value, rules.band(value), contributions, sparse)
