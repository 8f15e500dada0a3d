"""Generated incidents over the 12 months before `now`: where, when, what (fully vectorised).

- Where: a small grid drawn in proportion to its residents (rural grids report less per
  head, markets and office buildings more; a few hotspot grids much more), then an address
  in it ("城关区…街道…社区3号楼2单元"); every address stands at one random point inside its
  grid, so repeat addresses share a point. About 6% of cases come in clusters: a run of
  reports of one kind from one address over a few weeks (a building without heating, a site
  that owes wages).
- When: by CST day with a growth trend over the year, fewer reports at weekends, seasons
  (heating in winter, wage arrears before the Spring Festival, fewer reports during it) and
  CST hours (daytime peaks; public order at night; patrols in working hours).
- What: the source (12345 hotline biggest), the category given the source, the
  subcategory given the category and the kind of grid, severity, major risk (涉稳) and a
  Chinese description from templates.

Statuses, deadlines, handling and the events of each case come from `geo.demo.lifecycle`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demo import texts
from geo.demo.lifecycle import Cases, run_lifecycle
from geo.demo.names import place_names
from geo.timeutil import start_of_day_cst
from geo.vocabulary import CATEGORIES, OTHER, SOURCES

SOURCE_SHARES = {
    "hotline_12345": 0.43,
    "grid_patrol": 0.27,
    "police_110": 0.12,
    "mini_program": 0.09,
    "online_message": 0.05,
    "letters_visits": 0.025,
    "petition": 0.01,
    "court_case": 0.005,
}
# P(category | source), columns in CATEGORIES order:
# dispute, safety_hazard, livelihood, public_order, fraud
CATEGORY_BY_SOURCE = {
    "hotline_12345": (0.10, 0.10, 0.70, 0.05, 0.05),
    "grid_patrol": (0.20, 0.40, 0.32, 0.07, 0.01),
    "police_110": (0.15, 0.05, 0.05, 0.50, 0.25),
    "mini_program": (0.10, 0.22, 0.63, 0.03, 0.02),
    "online_message": (0.15, 0.10, 0.65, 0.03, 0.07),
    "letters_visits": (0.55, 0.05, 0.35, 0.02, 0.03),
    "petition": (0.60, 0.05, 0.30, 0.02, 0.03),
    "court_case": (0.95, 0.0, 0.0, 0.0, 0.05),
}
# Relative frequency of each subcategory in (urban, rural, dedicated) grids.
SUBCATEGORY_WEIGHTS = {
    "neighbour": (3, 3, 0.5),
    "family": (2, 2.5, 0.2),
    "loan": (1.5, 1.5, 1),
    "wage_arrears": (1.2, 1.2, 3),
    "property_management": (3, 0.3, 1.5),
    "demolition_resettlement": (0.6, 0.8, 0.2),
    "overdue_delivery": (0.5, 0.1, 0.3),
    "land": (0.1, 3, 0),
    "fire": (2, 1.5, 4),
    "gas": (1.5, 0.8, 2),
    "building": (1.5, 1, 0.5),
    "ebike_charging": (2, 0.5, 1),
    "road_traffic": (1.5, 1.5, 1),
    "production": (0.7, 1.2, 1.5),
    "geological": (0.2, 1.2, 0),
    "heating": (3, 1, 1),
    "water_power": (2, 2.5, 1),
    "sanitation": (2.5, 2, 2),
    "noise": (2, 0.5, 2),
    "municipal": (2, 1.5, 1),
    "social_security": (1.5, 1.5, 0.5),
    "education": (1, 0.8, 0.2),
    "elderly_care": (1, 1.2, 0.1),
    "theft": (3, 2, 3),
    "fight": (1.5, 1, 2),
    "nuisance": (1, 0.5, 1.5),
    "gambling_drugs": (0.5, 0.5, 0.5),
    "impersonation": (1, 1, 1),
    "investment": (1, 0.6, 1),
    "task_scam": (1, 0.6, 1),
    "loan_scam": (1, 1, 1),
}
# Subcategories whose cases run more severe, and those that can become major risks (涉稳).
RISKY = {
    "wage_arrears",
    "demolition_resettlement",
    "overdue_delivery",
    "land",
    "gas",
    "building",
    "geological",
    "production",
    "fight",
    "impersonation",
    "investment",
}
STABILITY = {"wage_arrears", "demolition_resettlement", "overdue_delivery", "land", "investment"}
# What a cluster of reports from one address is about.
CLUSTER_SUBJECTS = {
    "property_management": 4,
    "heating": 4,
    "noise": 3,
    "wage_arrears": 3,
    "sanitation": 2,
    "overdue_delivery": 2,
    "demolition_resettlement": 1.5,
    "ebike_charging": 1.5,
    "fire": 1,
    "neighbour": 1,
    "water_power": 1,
    "fight": 0.5,
}
CLUSTER_SHARE = 0.06
CLUSTER_MEAN_SIZE = 40
GROWTH = 0.4  # reports a year from now vs a year ago: +40%
WEEKDAY = np.array([1.08, 1.05, 1.03, 1.02, 1.0, 0.70, 0.62])  # Monday first
WEEKDAY_PUBLIC_ORDER = np.array([0.95, 0.93, 0.95, 0.97, 1.05, 1.12, 1.05])
# CST hour profiles.
HOURS_DAY = np.array(
    [
        0.2,
        0.1,
        0.08,
        0.06,
        0.06,
        0.1,
        0.3,
        0.8,
        1.6,
        2.2,
        2.3,
        2.1,
        1.5,
        1.3,
        1.9,
        2.1,
        2.0,
        1.7,
        1.2,
        1.0,
        0.9,
        0.7,
        0.5,
        0.3,
    ]
)
HOURS_NIGHT = np.array(
    [
        0.9,
        0.8,
        0.6,
        0.4,
        0.3,
        0.3,
        0.4,
        0.6,
        0.8,
        0.9,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
        1.1,
        1.2,
        1.4,
        1.6,
        1.8,
        1.9,
        1.7,
        1.3,
    ]
)
HOURS_PATROL = np.array(
    [
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0.2,
        1.5,
        2.5,
        2.5,
        2.0,
        0.8,
        0.6,
        1.8,
        2.3,
        2.2,
        1.5,
        0.4,
        0.1,
        0,
        0,
        0,
        0,
    ]
)
SPRING_FESTIVAL = np.array(
    [
        "2024-02-10",
        "2025-01-29",
        "2026-02-17",
        "2027-02-06",
        "2028-01-26",
        "2029-02-13",
        "2030-02-03",
        "2031-01-23",
        "2032-02-11",
    ],
    dtype="datetime64[D]",
)
DESCRIPTION_VARIANTS = 12

SOURCE_CODES = list(SOURCES)
# The demo draws the five governance categories (not the catch-all `other`) and the
# subcategories it has weights and texts for (not those only the sources' imports use).
CATEGORY_CODES = [c for c in CATEGORIES if c != OTHER]
_DRAWN = [(c, s) for c in CATEGORY_CODES for s in CATEGORIES[c].subcategories]
SUBCATEGORY_CODES = [s for _, s in _DRAWN if s in SUBCATEGORY_WEIGHTS]
_SUB_CATEGORY = np.array([CATEGORY_CODES.index(c) for c, s in _DRAWN if s in SUBCATEGORY_WEIGHTS])
_KINDS = ("urban", "rural", "dedicated")
_DAY = 86_400


def generate_incidents(
    areas: gpd.GeoDataFrame,
    centers: gpd.GeoDataFrame,
    n: int,
    seed: int,
    now: datetime,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n incidents (sorted by reported_at, ids 1..n) and their events, deterministic for a seed."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rng = np.random.default_rng(seed)
    grids = _GridTable.build(areas, centers, rng)
    window = _Window.before(now)
    n_cluster = round(CLUSTER_SHARE * n) if n >= 200 else 0
    loose = _loose(grids, n - n_cluster, window, rng)
    clustered = _clustered(grids, n_cluster, window, rng)
    what = {key: np.concatenate([loose[key], clustered[key]]) for key in loose}
    order = np.argsort(what["reported"], kind="stable")
    what = {key: value[order] for key, value in what.items()}
    lon, lat = _address_points(grids, what["grid"], what["ending"], rng)
    severity, major = _severity(what["sub"], what["in_cluster"], rng)
    cases = Cases(
        reported=what["reported"],
        category=_SUB_CATEGORY[what["sub"]],
        source=what["source"],
        severity=severity,
        major=major,
        centers=grids.centers[what["grid"]],
        worker=what["grid"],
    )
    state, events = run_lifecycle(cases, window.now, grids.center_codes, grids.code, rng)
    incidents = pd.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "source": _categorical(what["source"], SOURCE_CODES),
            "category": _categorical(cases.category, CATEGORY_CODES),
            "subcategory": _categorical(what["sub"], SUBCATEGORY_CODES),
            "severity": severity,
            "is_major_risk": major,
            "description": _descriptions(what["source"], what["sub"], rng),
            "address": grids.address_prefix[what["grid"]] + grids.endings[what["ending"]],
            "lon": lon,
            "lat": lat,
            "grid_code": _categorical(what["grid"], grids.code),
            "community_code": _categorical(what["grid"], grids.community),
            "street_code": _categorical(what["grid"], grids.street),
            "district_code": _categorical(what["grid"], grids.district),
            **state,
        }
    )
    return incidents, events


@dataclass(frozen=True)
class _Window:
    """The 12 months before now, as epoch seconds, with CST day boundaries."""

    start: int
    now: int
    day0: int  # CST midnight of the first day
    days: int

    @classmethod
    def before(cls, now: datetime) -> _Window:
        start = now - timedelta(days=365)
        day0 = start_of_day_cst(start)
        return cls(
            start=int(start.timestamp()),
            now=int(now.timestamp()),
            day0=int(day0.timestamp()),
            days=(now - day0) // timedelta(days=1) + 1,
        )

    def dates(self) -> np.ndarray:
        """The CST calendar date of each day of the window."""
        first = np.datetime64(datetime.fromtimestamp(self.day0 + 12 * 3600).date(), "D")
        return first + np.arange(self.days)

    def inside(self, t: np.ndarray) -> np.ndarray:
        """t moved by whole weeks into [start, now) (keeps weekday and hour)."""
        t = np.where(t >= self.now, t - 7 * _DAY, t)
        return np.where(t < self.start, t + 7 * _DAY, t)


@dataclass(frozen=True)
class _GridTable:
    """Per small grid: codes, kind, weights, geometry, address prefix, centers at 4 levels."""

    code: np.ndarray
    community: np.ndarray
    street: np.ndarray
    district: np.ndarray
    kind: np.ndarray  # index into _KINDS
    weight: np.ndarray
    geometry: np.ndarray
    bounds: np.ndarray
    address_prefix: np.ndarray
    endings: np.ndarray  # all address endings; kind k uses endings[ending_start[k]:...]
    ending_start: np.ndarray
    ending_count: np.ndarray
    centers: np.ndarray  # (grids, 4): workstation, command post, sub-center, city center
    center_codes: np.ndarray

    @classmethod
    def build(
        cls, areas: gpd.GeoDataFrame, centers: gpd.GeoDataFrame, rng: np.random.Generator
    ) -> _GridTable:
        grids = areas[areas["level"] == "grid"].reset_index(drop=True)
        if grids.empty:
            raise ValueError("the area tree has no small grids")
        parent = dict(zip(areas["code"], areas["parent_code"], strict=True))
        name = dict(zip(areas["code"], areas["name"], strict=True))
        community = np.array([parent[c] for c in grids["code"]], dtype=object)
        street = np.array([parent[c] for c in community], dtype=object)
        district = np.array([parent[c] for c in street], dtype=object)
        kind = np.array([_KINDS.index(k) for k in grids["kind"]])
        population = grids["population"].to_numpy(dtype=float)
        urban = kind == 0
        typical = np.median(population[urban]) if urban.any() else population.mean()
        weight = np.select([kind == 0, kind == 1], [population, 0.55 * population], 0.5 * typical)
        prefix = np.array(
            [
                name[d] + name[s] + name[c]
                for d, s, c in zip(district, street, community, strict=True)
            ],
            dtype=object,
        )
        prefix = prefix + _grid_places(grids, community, kind, rng)
        endings = [texts.ADDRESS_ENDINGS[k] for k in _KINDS]
        geometry = grids.geometry.to_numpy()
        shapely.prepare(geometry)
        center_codes = centers["code"].to_numpy(dtype=object)
        center_index = {c: i for i, c in enumerate(center_codes)}
        center_parent = dict(zip(centers["code"], centers["parent_code"], strict=True))
        chain = np.empty((len(grids), 4), dtype=np.int32)
        for i, c in enumerate(community):
            code = f"ws-{c}"
            for level in range(4):
                chain[i, level] = center_index[code]
                code = center_parent[code] if level < 3 else code
        return cls(
            code=grids["code"].to_numpy(dtype=object),
            community=community,
            street=street,
            district=district,
            kind=kind,
            weight=weight,
            geometry=geometry,
            bounds=shapely.bounds(geometry),
            address_prefix=prefix,
            endings=np.array([e for group in endings for e in group], dtype=object),
            ending_start=np.cumsum([0] + [len(e) for e in endings[:-1]]),
            ending_count=np.array([len(e) for e in endings]),
            centers=chain,
            center_codes=center_codes,
        )

    def hotspot_weight(self, rng: np.random.Generator) -> np.ndarray:
        """Grid weights with a few hotspot grids (about 4%) drawing several times more."""
        hot = rng.random(len(self.weight)) < 0.04
        boost = np.where(hot, rng.lognormal(np.log(4.0), 0.5, len(self.weight)), 1.0)
        weight = self.weight * boost
        return weight / weight.sum()

    def ending(self, grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A random address ending for each grid, of the grid's kind."""
        kind = self.kind[grid]
        return self.ending_start[kind] + (rng.random(len(grid)) * self.ending_count[kind]).astype(
            int
        )


def _grid_places(
    grids: pd.DataFrame, community: np.ndarray, kind: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The grid's own part of an address: a housing estate (小区), a village group (组) or
    the building or market, so that no two grids share an address."""
    places = np.empty(len(grids), dtype=object)
    venue = grids["name"].str.removesuffix("专属网格").to_numpy(dtype=object)
    group = grids["code"].str[-3:].astype(int).astype(str).to_numpy(dtype=object) + "组"
    places[kind == 1] = group[kind == 1]
    places[kind == 2] = venue[kind == 2]
    urban = np.flatnonzero(kind == 0)
    for members in pd.Series(urban).groupby(community[urban]).indices.values():
        rows = urban[members]
        stems = place_names(rng, len(rows))
        suffix = rng.choice(texts.ESTATE_SUFFIXES, size=len(rows))
        places[rows] = [a + b for a, b in zip(stems, suffix, strict=True)]
    return places


def _loose(grids: _GridTable, n: int, window: _Window, rng: np.random.Generator) -> dict:
    """Independent reports: grid by weight, source by share, category, subcategory, time."""
    grid = rng.choice(len(grids.weight), size=n, p=grids.hotspot_weight(rng))
    source = rng.choice(len(SOURCE_CODES), size=n, p=_shares())
    category = _draw(source, np.array([CATEGORY_BY_SOURCE[s] for s in SOURCE_CODES]), rng)
    sub = _subcategory(category, grids.kind[grid], rng)
    return {
        "grid": grid,
        "ending": grids.ending(grid, rng),
        "source": source,
        "sub": sub,
        "reported": _times(sub, source, window, rng),
        "in_cluster": np.zeros(n, dtype=bool),
    }


def _clustered(grids: _GridTable, n: int, window: _Window, rng: np.random.Generator) -> dict:
    """Runs of reports from one address about one subject within a few weeks."""
    k = max(1, n // CLUSTER_MEAN_SIZE)
    subjects = np.array([SUBCATEGORY_CODES.index(s) for s in CLUSTER_SUBJECTS])
    subject_p = np.array(list(CLUSTER_SUBJECTS.values()))
    c_grid = rng.choice(len(grids.weight), size=k, p=grids.hotspot_weight(rng))
    c_ending = grids.ending(c_grid, rng)
    c_sub = rng.choice(subjects, size=k, p=subject_p / subject_p.sum())
    c_length = rng.integers(14, 61, k) * _DAY
    c_start = window.start + (rng.random(k) * (window.now - window.start - c_length)).astype(
        np.int64
    )
    member = rng.choice(k, size=n, p=_normalised(rng.lognormal(0.0, 0.8, k)))
    sub = c_sub[member]
    off_topic = rng.random(n) < 0.2
    sub[off_topic] = _subcategory(
        _SUB_CATEGORY[sub[off_topic]], grids.kind[c_grid[member[off_topic]]], rng
    )
    source = _draw(_SUB_CATEGORY[sub], _source_given_category(), rng)
    start = c_start[member] + (rng.random(n) * c_length[member]).astype(np.int64)
    day = (start - window.day0) // _DAY
    hour = _hours(_SUB_CATEGORY[sub], source, rng)
    reported = window.day0 + day * _DAY + hour * 3600 + rng.integers(0, 3600, n)
    return {
        "grid": c_grid[member],
        "ending": c_ending[member],
        "source": source,
        "sub": sub,
        "reported": window.inside(reported),
        "in_cluster": np.ones(n, dtype=bool),
    }


def _shares() -> np.ndarray:
    """Source shares in SOURCE_CODES order."""
    return _normalised(np.array([SOURCE_SHARES[s] for s in SOURCE_CODES]))


def _source_given_category() -> np.ndarray:
    """P(source | category) as rows per category (Bayes on the tables above)."""
    joint = _shares()[:, None] * np.array([CATEGORY_BY_SOURCE[s] for s in SOURCE_CODES])
    return (joint / joint.sum(axis=0)).T


def _subcategory(category: np.ndarray, kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A subcategory index for each (category, grid kind)."""
    weights = np.array([SUBCATEGORY_WEIGHTS[s] for s in SUBCATEGORY_CODES])  # (subs, kinds)
    table = np.zeros((len(CATEGORY_CODES), len(_KINDS), len(SUBCATEGORY_CODES)))
    for c in range(len(CATEGORY_CODES)):
        mine = _SUB_CATEGORY == c
        table[c][:, mine] = weights[mine].T
    return _draw(category * len(_KINDS) + kind, table.reshape(-1, len(SUBCATEGORY_CODES)), rng)


def _times(
    sub: np.ndarray, source: np.ndarray, window: _Window, rng: np.random.Generator
) -> np.ndarray:
    """Report times (epoch seconds): CST day by trend, weekday and season; CST hour by profile."""
    dates = window.dates()
    base = (1 + GROWTH * np.arange(window.days) / window.days) * _holiday(dates)
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-05 was a Monday
    day = np.empty(len(sub), dtype=np.int64)
    for s in np.unique(sub):
        rows = np.flatnonzero(sub == s)
        category = CATEGORY_CODES[_SUB_CATEGORY[s]]
        rhythm = WEEKDAY_PUBLIC_ORDER if category == "public_order" else WEEKDAY
        p = base * rhythm[weekday] * _season(SUBCATEGORY_CODES[s], dates)
        day[rows] = rng.choice(window.days, size=len(rows), p=p / p.sum())
    hour = _hours(_SUB_CATEGORY[sub], source, rng)
    t = window.day0 + day * _DAY + hour * 3600 + rng.integers(0, 3600, len(sub))
    return window.inside(t)


def _hours(category: np.ndarray, source: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A CST hour for each report: public order at night, patrols in working hours."""
    which = np.where(category == CATEGORY_CODES.index("public_order"), 1, 0)
    which = np.where(source == SOURCE_CODES.index("grid_patrol"), 2, which)
    return _draw(which, np.stack([HOURS_DAY, HOURS_NIGHT, HOURS_PATROL]), rng)


def _holiday(dates: np.ndarray) -> np.ndarray:
    """Fewer reports during the Spring Festival week."""
    offset = dates[:, None] - SPRING_FESTIVAL[None, :]
    during = ((offset >= np.timedelta64(-1, "D")) & (offset <= np.timedelta64(5, "D"))).any(axis=1)
    return np.where(during, 0.55, 1.0)


def _season(sub: str, dates: np.ndarray) -> np.ndarray:
    """Seasonal factor of a subcategory on each date."""
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    ones = np.ones(len(dates))
    if sub == "heating":  # Lanzhou heats from November to March
        return np.select(
            [np.isin(month, [11, 12, 1, 2, 3]), np.isin(month, [10, 4])], [3.0, 1.0], 0.15
        )
    if sub == "wage_arrears":  # before the Spring Festival workers want their pay
        until = SPRING_FESTIVAL[None, :] - dates[:, None]
        before = ((until >= np.timedelta64(0, "D")) & (until <= np.timedelta64(60, "D"))).any(
            axis=1
        )
        return np.where(before, 3.0, 1.0)
    if sub == "geological":
        return np.where(np.isin(month, [7, 8, 9]), 3.0, 0.6)
    if sub == "education":
        return np.where(np.isin(month, [7, 8, 9]), 2.5, 1.0)
    if sub in ("noise", "water_power"):
        return np.where(np.isin(month, [6, 7, 8]), 1.5, 1.0)
    if sub == "fire":
        return np.where(np.isin(month, [11, 12, 1, 2, 3]), 1.4, 1.0)
    return ones


def _severity(
    sub: np.ndarray, in_cluster: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Severity 1-4 (risky subjects and clusters run higher) and the major-risk flag."""
    risky = np.isin(np.array(SUBCATEGORY_CODES, dtype=object)[sub], list(RISKY))
    table = np.array([[0.50, 0.33, 0.14, 0.03], [0.25, 0.35, 0.27, 0.13]])
    severity = _draw(risky.astype(int), table, rng) + 1
    severity = np.minimum(severity + (in_cluster & (rng.random(len(sub)) < 0.3)), 4)
    stability = np.isin(np.array(SUBCATEGORY_CODES, dtype=object)[sub], list(STABILITY))
    chance = np.where(in_cluster, 0.3, 0.04)
    major = (severity == 4) & stability & (rng.random(len(sub)) < chance)
    return severity.astype(np.int16), major


def _address_points(
    grids: _GridTable, grid: np.ndarray, ending: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One random point inside its grid for every distinct address, shared by its reports."""
    key = grid.astype(np.int64) * len(grids.endings) + ending
    unique, inverse = np.unique(key, return_inverse=True)
    g = unique // len(grids.endings)
    x = np.full(len(unique), np.nan)
    y = np.full(len(unique), np.nan)
    todo = np.arange(len(unique))
    for _ in range(100):
        bounds = grids.bounds[g[todo]]
        tx = bounds[:, 0] + rng.random(len(todo)) * (bounds[:, 2] - bounds[:, 0])
        ty = bounds[:, 1] + rng.random(len(todo)) * (bounds[:, 3] - bounds[:, 1])
        hit = shapely.contains_xy(grids.geometry[g[todo]], tx, ty)
        x[todo[hit]], y[todo[hit]] = tx[hit], ty[hit]
        todo = todo[~hit]
        if len(todo) == 0:
            break
    if len(todo):  # a sliver of a grid: its representative point
        spot = shapely.point_on_surface(grids.geometry[g[todo]])
        x[todo], y[todo] = shapely.get_x(spot), shapely.get_y(spot)
    return x[inverse], y[inverse]


def _descriptions(source: np.ndarray, sub: np.ndarray, rng: np.random.Generator) -> pd.Categorical:
    """Opening by source + a filled-in template of the subcategory, as a categorical."""
    bodies = [texts.description_variants(s, DESCRIPTION_VARIANTS, rng) for s in SUBCATEGORY_CODES]
    texts_ = [
        texts.OPENINGS[src] + body
        for src in SOURCE_CODES
        for variants in bodies
        for body in variants
    ]
    variant = rng.integers(0, DESCRIPTION_VARIANTS, len(sub))
    code = (source * len(SUBCATEGORY_CODES) + sub) * DESCRIPTION_VARIANTS + variant
    return _categorical(code, texts_)


def _categorical(index: np.ndarray, values: list[str] | np.ndarray) -> pd.Categorical:
    """values[index] as a pandas Categorical."""
    labels, label_of = np.unique(np.asarray(values, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(
        label_of[index].astype(np.int32), categories=pd.Index(labels, dtype=object)
    )


def _draw(group: np.ndarray, table: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each item, an index drawn with the probabilities in row `group[i]` of table."""
    out = np.zeros(len(group), dtype=np.int64)
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        out[rows] = rng.choice(table.shape[1], size=len(rows), p=_normalised(table[g]))
    return out


def _normalised(w: np.ndarray) -> np.ndarray:
    """w / w.sum()."""
    return w / w.sum()
