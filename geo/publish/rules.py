"""The publication schedule (`geo/rules/publishing.toml`): which periods, which areas, when."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from geo.drill.safety_index import read_rules_text
from geo.errors import ConfigError

DEFAULT_RULES = Path(str(resources.files("geo.rules").joinpath("publishing.toml")))
PERIOD_KINDS = ("month", "week")
AREA_SETS = ("city", "districts")


@dataclass(frozen=True)
class Schedule:
    """One kind of period and the areas whose report is made for it."""

    period: str  # 'month' or 'week'
    areas: tuple[str, ...]  # 'city' and/or 'districts'


@dataclass(frozen=True)
class PublishRules:
    """The schedules, the wait after a period closes, and how far a pause is caught up."""

    schedules: tuple[Schedule, ...]
    after_hours: float
    catch_up: int
    version: str


def parse_rules(text: str) -> PublishRules:
    """Rules from TOML text; a clear ConfigError for anything missing or inconsistent."""
    try:
        data = tomllib.loads(text)
        rules = PublishRules(
            schedules=tuple(
                Schedule(str(s["period"]), tuple(str(a) for a in s["areas"]))
                for s in data["schedule"]
            ),
            after_hours=float(data["after_hours"]),
            catch_up=int(data["catch_up"]),
            version=f"{data.get('version', 0)}:{hashlib.sha256(text.encode()).hexdigest()[:8]}",
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"the publishing rules are malformed: {exc!r}") from None
    for schedule in rules.schedules:
        if schedule.period not in PERIOD_KINDS:
            raise ConfigError(f"unknown period in the publishing rules: {schedule.period!r}")
        if not schedule.areas or set(schedule.areas) - set(AREA_SETS):
            raise ConfigError(f"publishing areas must be among {AREA_SETS}: {schedule.areas}")
    if rules.after_hours < 0 or rules.catch_up < 1:
        raise ConfigError("after_hours must be >= 0 and catch_up >= 1")
    return rules


@cache
def load_rules(path: Path = DEFAULT_RULES) -> PublishRules:
    """The rules in a file (the packaged default unless another path is given), read once."""
    return parse_rules(read_rules_text(path, "publishing"))
