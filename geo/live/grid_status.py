"""Grid colour status (红黄蓝三色管理): rules from `rules/grid_status.toml`, applied in PostGIS."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from pathlib import Path

import psycopg2.extensions
from psycopg2 import sql

from geo.errors import ConfigError
from geo.live.queries import Stocks
from geo.sqlfiles import load_sql

COLORS = ("red", "yellow", "blue")  # most serious first; blue is "no rule met"
DEFAULT_RULES = Path(str(resources.files("geo.rules").joinpath("grid_status.toml")))


@dataclass(frozen=True)
class GridMeasures:
    """What the rules can look at for one grid (see the rules file for each measure)."""

    code: str
    open: int = 0
    overdue: int = 0
    major_open: int = 0
    dispute_open: int = 0
    escalated_open: int = 0
    new: int = 0
    previous: int = 0

    @property
    def rise(self) -> float:
        """new / max(previous, 1), as the SQL computes it."""
        return self.new / max(self.previous, 1)

    def values(self) -> dict[str, float]:
        """Every measure by name, `rise` included (for reason texts)."""
        out: dict[str, float] = {name: getattr(self, name) for name in COUNT_MEASURES}
        out["rise"] = self.rise
        return out


COUNT_MEASURES = tuple(f.name for f in fields(GridMeasures) if f.name != "code")
MEASURES = (*COUNT_MEASURES, "rise")


@dataclass(frozen=True)
class Rule:
    """One rule: a colour, the least value of each measure, and the reason in both languages."""

    id: str
    color: str
    when: tuple[tuple[str, float], ...]
    zh: str
    en: str

    def reason(self, measures: GridMeasures, lang: str = "zh") -> str:
        """The reason text with the grid's numbers filled in."""
        return (self.zh if lang == "zh" else self.en).format(**measures.values())


@dataclass(frozen=True)
class GridRules:
    """The ordered rules; a grid gets the most serious colour among the rules it meets."""

    rules: tuple[Rule, ...]

    def ids_of(self, color: str) -> list[int]:
        """Indexes of the rules of one colour."""
        return [i for i, rule in enumerate(self.rules) if rule.color == color]


@dataclass(frozen=True)
class GridStatus:
    """A grid's measures, the rules it meets (indexes into the rules) and its colour."""

    measures: GridMeasures
    rules_met: tuple[int, ...]
    color: str

    def reasons(self, rules: GridRules, lang: str = "zh") -> list[str]:
        """The reason of every rule met, most serious first."""
        met = sorted(self.rules_met, key=lambda i: (COLORS.index(rules.rules[i].color), i))
        return [rules.rules[i].reason(self.measures, lang) for i in met]


def key_grids(grids: Iterable[GridStatus]) -> list[GridStatus]:
    """The red and yellow grids, the most pressing first: red before yellow, then by major
    risks open, overdue cases and new reports, each the most first."""
    return sorted(
        (g for g in grids if g.color != "blue"),
        key=lambda g: (
            COLORS.index(g.color),
            -g.measures.major_open,
            -g.measures.overdue,
            -g.measures.new,
        ),
    )


def parse_rules(text: str) -> GridRules:
    """Rules from TOML text; a clear ConfigError for anything missing or inconsistent."""
    try:
        data = tomllib.loads(text)
        rules = tuple(
            Rule(
                id=str(item["id"]),
                color=str(item["color"]),
                when=tuple((str(k), float(v)) for k, v in dict(item["when"]).items()),
                zh=str(item["zh"]),
                en=str(item["en"]),
            )
            for item in data["rule"]
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"the grid status rules are malformed: {exc!r}") from None
    _check(rules)
    return GridRules(rules)


def _check(rules: tuple[Rule, ...]) -> None:
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"the grid status rules repeat an id: {ids}")
    for rule in rules:
        if rule.color not in COLORS[:-1]:
            raise ConfigError(f"rule {rule.id}: colour must be red or yellow, not {rule.color!r}")
        if not rule.when:
            raise ConfigError(f"rule {rule.id}: `when` names no measure")
        for measure, least in rule.when:
            if measure not in MEASURES:
                raise ConfigError(f"rule {rule.id}: unknown measure {measure!r} ({MEASURES})")
            if least < 0:
                raise ConfigError(f"rule {rule.id}: {measure} must be at least 0")
        for template in (rule.zh, rule.en):
            names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            if names - set(MEASURES):
                raise ConfigError(f"rule {rule.id}: the text names {sorted(names - set(MEASURES))}")
            template.format(**GridMeasures("").values())  # a bad format spec fails here


@cache
def load_rules(path: Path = DEFAULT_RULES) -> GridRules:
    """The rules in a file, read once per process."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the grid status rules {path}: {exc}") from None
    return parse_rules(text)


def rules_sql(rules: GridRules) -> tuple[sql.Composable, dict]:
    """The `rules_met` int[] expression over measures `m.*`, and its threshold parameters."""
    params: dict = {}
    cases: list[sql.Composable] = []
    for index, rule in enumerate(rules.rules):
        tests = []
        for measure, least in rule.when:
            name = f"r{index}_{measure}"
            params[name] = least
            tests.append(
                sql.SQL("m.{} >= {}").format(sql.Identifier(measure), sql.Placeholder(name))
            )
        cases.append(
            sql.SQL("CASE WHEN {} THEN {} END").format(
                sql.SQL(" AND ").join(tests), sql.Literal(index)
            )
        )
    if not cases:
        return sql.SQL("ARRAY[]::int[]"), params
    return sql.SQL("array_remove(ARRAY[{}]::int[], NULL)").format(sql.SQL(", ").join(cases)), params


def judge(
    conn: psycopg2.extensions.connection, measures: Sequence[GridMeasures], rules: GridRules
) -> list[GridStatus]:
    """Each grid's rules met and colour, decided by PostgreSQL, for measures given here."""
    if not measures:
        return []
    rows = [(m.code, *(getattr(m, name) for name in COUNT_MEASURES)) for m in measures]
    by_code = {status.measures.code: status for status in _judge_rows(conn, rows, rules, True)}
    return [by_code[m.code] for m in measures]


def judge_stocks(
    conn: psycopg2.extensions.connection,
    grids: Sequence[str],
    stocks: Mapping[str, Stocks],
    flows: Mapping[str, tuple[int, int]],
    rules: GridRules,
    every: bool = True,
) -> list[GridStatus]:
    """The colour of each grid in `grids` from its stocks (counted by the caller, in the same
    pass as the centers' stocks) and its (new, previous) reports; `every=False` returns only
    the red and yellow grids."""
    if not grids:
        return []
    none = Stocks()
    rows = []
    for code in grids:
        s = stocks.get(code, none)
        new, previous = flows.get(code, (0, 0))
        rows.append((code, s.open, s.overdue, s.major_open, s.dispute_open, s.escalated_open,
                     new, previous))  # fmt: skip
    return _judge_rows(conn, rows, rules, every)


def _judge_rows(
    conn: psycopg2.extensions.connection, rows: list[tuple], rules: GridRules, every: bool
) -> list[GridStatus]:
    """Judge rows of (code, *COUNT_MEASURES), sent as parallel arrays (live_grid_given.sql)."""
    columns = list(zip(*rows, strict=True))
    params: dict = {"code": _text_array(columns[0])}
    for name, values in zip(COUNT_MEASURES, columns[1:], strict=True):
        params[name] = _int_array(values)
    return _judged(conn, sql.SQL(load_sql("live_grid_given")), params, rules, every)


def _judged(
    conn: psycopg2.extensions.connection,
    measures: sql.Composable,
    params: dict,
    rules: GridRules,
    every: bool,
) -> list[GridStatus]:
    """Run live_grid_status.sql over a measures query."""
    rules_met, thresholds = rules_sql(rules)
    query = sql.SQL(load_sql("live_grid_status")).format(measures=measures, rules_met=rules_met)
    params = {
        **params,
        **thresholds,
        "red_rules": rules.ids_of("red"),
        "yellow_rules": rules.ids_of("yellow"),
        "every": every,
    }
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute(query, params)
        return [GridStatus(GridMeasures(*row[:8]), tuple(row[8]), row[9]) for row in cur.fetchall()]


def _int_array(values: Iterable[int]) -> str:
    """A PostgreSQL int[] literal."""
    return "{" + ",".join(map(str, values)) + "}"


def _text_array(values: Iterable[str]) -> str:
    """A PostgreSQL text[] literal, every element quoted and escaped."""
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"
