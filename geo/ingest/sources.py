"""The sources' export layouts: columns per field, coordinate datum, value names, link rules.

The defaults are `geo/rules/intake_sources.toml`; another TOML file of the same layout
overrides them key by key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from geo.errors import ConfigError
from geo.vocabulary import CATEGORIES, SOURCES

FIELDS = (
    "source_id",
    "reported_at",
    "category",
    "subcategory",
    "severity",
    "major_risk",
    "description",
    "address",
    "lon",
    "lat",
    "reporter_name",
    "reporter_phone",
    "reporter_id_number",
    "source",
)
REQUIRED = ("source_id", "reported_at", "category")
DATUMS = ("wgs84", "gcj02")


@dataclass(frozen=True)
class SourceLayout:
    """One source's export: the columns that may hold each field, and its datum."""

    source: str
    coords: str
    columns: dict[str, tuple[str, ...]]

    def column_for(self, field: str, present: set[str]) -> str | None:
        """The first column holding `field` that the file has (its own field name counts)."""
        for name in (*self.columns.get(field, ()), field):
            if name in present:
                return name
        return None


@dataclass(frozen=True)
class IntakeRules:
    """Every source's layout, the value names and the cross-source link thresholds."""

    layouts: dict[str, SourceLayout]
    category_names: dict[str, tuple[str, str]]  # a source's name → (category, subcategory)
    severity_names: dict[str, int]
    source_names: dict[str, str]
    link_distance_m: float
    link_hours: float

    def layout(self, source: str) -> SourceLayout:
        """The layout of a source; a ConfigError naming the known ones when unknown."""
        if source not in self.layouts:
            known = ", ".join(sorted(self.layouts))
            raise ConfigError(f"unknown source {source!r}; known sources: {known}")
        return self.layouts[source]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`base` with `over`'s keys replacing its own, table by table."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _default_text() -> str:
    return resources.files("geo.rules").joinpath("intake_sources.toml").read_text("utf-8")


def load_rules(override: Path | None = None) -> IntakeRules:
    """The intake rules: the defaults, overridden by another TOML file when given."""
    data = tomllib.loads(_default_text())
    if override is not None:
        try:
            data = _merge(data, tomllib.loads(override.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read the column mapping {override}: {exc}") from None
    return parse_rules(data)


def parse_rules(data: dict[str, Any]) -> IntakeRules:
    """Intake rules from parsed TOML; a ConfigError for anything unknown or malformed."""
    try:
        layouts = {}
        for source, item in dict(data["sources"]).items():
            if source not in SOURCES:
                raise ConfigError(f"intake rules: {source!r} is not a known source")
            coords = str(item.get("coords", "wgs84")).lower()
            if coords not in DATUMS:
                raise ConfigError(f"intake rules: {source}: coords must be one of {DATUMS}")
            columns = {}
            for field, names in dict(item.get("columns", {})).items():
                if field not in FIELDS:
                    raise ConfigError(f"intake rules: {source}: unknown field {field!r}")
                columns[field] = (names,) if isinstance(names, str) else tuple(map(str, names))
            layouts[source] = SourceLayout(source, coords, columns)
        categories = _category_names(dict(data.get("category_names", {})))
        severities = {str(k): int(v) for k, v in dict(data.get("severity_names", {})).items()}
        sources = {code: code for code in SOURCES}
        sources.update({lb.zh: code for code, lb in SOURCES.items()})
        sources.update({str(k): str(v) for k, v in dict(data.get("source_names", {})).items()})
        linking = dict(data.get("linking", {}))
        distance = float(linking.get("distance_m", 100))
        hours = float(linking.get("hours", 2))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"the intake rules are malformed: {exc!r}") from None
    if any(v not in range(1, 5) for v in severities.values()):
        raise ConfigError("intake rules: severity names must map to 1..4")
    if any(v not in SOURCES for v in sources.values()):
        raise ConfigError("intake rules: a source name maps to an unknown source")
    if distance < 0 or hours < 0:
        raise ConfigError("intake rules: linking distance and hours must be at least 0")
    return IntakeRules(layouts, categories, severities, sources, distance, hours)


def _category_names(extra: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """(category, subcategory) by every name a source may use: codes, labels, subcategory
    labels, and the TOML's own names (`"噪音扰民" = "livelihood/noise"`, or a category alone)."""
    names: dict[str, tuple[str, str]] = {}
    for code, category in CATEGORIES.items():
        names[code] = names[category.zh] = names[category.en.lower()] = (code, "")
        for sub_code, label in category.subcategories.items():
            names.setdefault(label.zh, (code, sub_code))
            names.setdefault(sub_code, (code, sub_code))
    for name, target in extra.items():
        code, _, sub = str(target).partition("/")
        if code not in CATEGORIES:
            raise ConfigError(f"intake rules: category name {name!r} maps to unknown {code!r}")
        if sub and sub not in CATEGORIES[code].subcategories:
            raise ConfigError(
                f"intake rules: category name {name!r} maps to unknown subcategory {target!r}"
            )
        names[str(name)] = (code, sub)
    return names
