"""The early warning rules of `rules/warnings.toml`: typed, checked, loaded once."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from geo.errors import ConfigError

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "rules" / "warnings.toml"
KINDS = ("grid_surge", "category_cluster", "repeat_address", "major_risk_rise")
# The figures each kind's reason text may name ({category} and {address} always may).
FIGURES: dict[str, tuple[str, ...]] = {
    "grid_surge": (
        "observed", "expected", "ratio", "baseline_daily", "recent_days", "baseline_days",
    ),
    "category_cluster": ("observed", "addresses", "radius_m", "hours"),
    "repeat_address": ("observed", "days", "categories"),
    "major_risk_rise": (
        "observed", "expected", "ratio", "baseline_daily", "recent_days", "baseline_days",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class SurgeRule:
    """A Poisson-style rise of recent counts over a baseline (grid_surge, major_risk_rise)."""

    enabled: bool
    recent_days: int
    baseline_days: int
    z: float
    min_count: int
    min_ratio: float
    min_expected: float
    zh: str
    en: str


@dataclass(frozen=True)
class ClusterRule:
    """Incidents of one category close together in space and time."""

    enabled: bool
    hours: int
    radius_m: float
    min_points: int
    min_addresses: int
    srid: int
    zh: str
    en: str


@dataclass(frozen=True)
class RepeatRule:
    """One address reporting again and again."""

    enabled: bool
    days: int
    min_reports: int
    zh: str
    en: str


@dataclass(frozen=True)
class WarningRules:
    """Every rule, and how long a closed warning's key stays quiet."""

    reopen_after_hours: float
    grid_surge: SurgeRule
    category_cluster: ClusterRule
    repeat_address: RepeatRule
    major_risk_rise: SurgeRule

    def rule(self, kind: str) -> SurgeRule | ClusterRule | RepeatRule:
        """The rule of a kind."""
        return getattr(self, kind)

    def reason(self, kind: str, figures: dict[str, Any], lang: str = "zh", **names: str) -> str:
        """The reason text of a warning with its figures (and category / address) filled in."""
        rule = self.rule(kind)
        values = {**{k: 0 for k in FIGURES[kind]}, "category": "", "address": "", **figures}
        values.update(names)
        try:
            return _FORMATTER.format(rule.zh if lang == "zh" else rule.en, **values)
        except (KeyError, ValueError, TypeError):
            return kind


class _Figures(string.Formatter):
    """str.format, except that a figure with no value (a ratio over an empty baseline) is —."""

    def format_field(self, value: Any, format_spec: str) -> str:
        """The field formatted, or — for None."""
        return "—" if value is None else super().format_field(value, format_spec)


_FORMATTER = _Figures()

_TYPES: dict[str, type] = {
    "grid_surge": SurgeRule,
    "category_cluster": ClusterRule,
    "repeat_address": RepeatRule,
    "major_risk_rise": SurgeRule,
}


def _build(kind: str, table: dict) -> SurgeRule | ClusterRule | RepeatRule:
    cls = _TYPES[kind]
    known = {f.name: f.type for f in fields(cls)}
    unknown = set(table) - set(known)
    if unknown:
        raise ConfigError(f"warning rule {kind}: unknown setting(s) {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, kind_of in known.items():
        if name not in table:
            raise ConfigError(f"warning rule {kind}: `{name}` is missing")
        value = table[name]
        caster = {"bool": bool, "int": int, "float": float, "str": str}[str(kind_of)]
        if caster is bool and not isinstance(value, bool):
            raise ConfigError(f"warning rule {kind}: `{name}` must be true or false")
        if caster in (int, float) and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise ConfigError(f"warning rule {kind}: `{name}` must be a number")
        if caster is int and value != int(value):
            raise ConfigError(f"warning rule {kind}: `{name}` must be a whole number")
        if caster is str and not isinstance(value, str):
            raise ConfigError(f"warning rule {kind}: `{name}` must be text")
        if caster in (int, float) and value <= 0 and name != "z":
            raise ConfigError(f"warning rule {kind}: `{name}` must be above 0")
        values[name] = caster(value)
    rule = cls(**values)
    allowed = {*FIGURES[kind], "category", "address"}
    for template in (rule.zh, rule.en):
        try:
            named = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        except ValueError as exc:
            raise ConfigError(f"warning rule {kind}: bad reason text: {exc}") from None
        if named - allowed:
            raise ConfigError(f"warning rule {kind}: the text names {sorted(named - allowed)}")
    return rule


def parse_rules(text: str) -> WarningRules:
    """Rules from TOML text; a clear ConfigError for anything missing or malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the warning rules are not valid TOML: {exc}") from None
    missing = [k for k in KINDS if not isinstance(data.get(k), dict)]
    if missing:
        raise ConfigError(f"the warning rules lack the table(s) {missing}")
    reopen = data.get("reopen_after_hours")
    if isinstance(reopen, bool) or not isinstance(reopen, int | float) or reopen < 0:
        raise ConfigError("the warning rules need reopen_after_hours, a number of hours >= 0")
    rules = {kind: _build(kind, data[kind]) for kind in KINDS}
    return WarningRules(reopen_after_hours=float(reopen), **rules)  # type: ignore[arg-type]


@cache
def load_rules(path: Path = DEFAULT_RULES) -> WarningRules:
    """The rules in a file, read once per process."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the warning rules {path}: {exc}") from None
    return parse_rules(text)
