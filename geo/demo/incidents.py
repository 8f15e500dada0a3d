"""Generated incidents over the two years before `now`: where, when, what (fully vectorised).

The demo is meant to look like a city of about four million to the pages, the safety index,
the scorecards and the forecaster; `docs/demo.md` says what each figure rests on. The figures
measured on it are not claims about any real city.

- How many: the count asked for, spread over two years (2.4 million: 1.2 million a year, a
  third of a request per resident a year). Sources and categories follow the tables below
  (disputes about 13 %, livelihood requests a little over half).
- Where: a small grid drawn in proportion to its residents times how much its area reports
  (urban core more than villages; each district, street, community and grid its own lasting
  factor; a few grids much busier), times its street's slow trend (some streets rise, some
  fall). Each report has an address in its grid: a household ("3号楼2单元502室", "12号", "5层
  503室") for private matters, a public spot ("小区南门", "村口") for road, sanitation, noise
  and the like; households report rarely, public spots often, so about one report in eight
  repeats an address of the last 30 days. Every address stands at one point (a building's
  households share it).
- When: by CST day with a growth trend, fewer reports at weekends, in the Spring Festival and
  the golden weeks, seasons per subcategory (heating in winter, wage arrears before the Spring
  Festival, floods in summer), and CST hours (daytime peaks; public order at night; patrols in
  working hours).
- Hotspots that appear and fade: about 8 % of reports come in episodes, a grid's run of one
  category over weeks to months that rises, peaks and fades (a building site, a heating
  failure, a fraud wave); about 3 % come in clusters, a run of reports of one kind from one
  address over a few weeks (a building without heating, a site that owes wages).
- What: the source (12345 hotline biggest), the category given the source, the subcategory
  given the category, the kind of grid and the season, severity, major risk (涉稳) and a
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
from geo.holidays import days_before_spring_festival, golden_week_days, spring_festival_days
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
    "hotline_12345": (0.08, 0.08, 0.76, 0.04, 0.04),
    "grid_patrol": (0.16, 0.40, 0.38, 0.05, 0.01),
    "police_110": (0.15, 0.05, 0.05, 0.55, 0.20),
    "mini_program": (0.08, 0.22, 0.66, 0.02, 0.02),
    "online_message": (0.12, 0.10, 0.70, 0.03, 0.05),
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
CLUSTER_SHARE = 0.03
CLUSTER_MEAN_SIZE = 40
# Hotspot episodes: a grid's run of one category that rises, peaks and fades.
EPISODE_SHARE = 0.08
EPISODE_MEAN_SIZE = 60
EPISODE_WEEKS = (3, 8, 30)  # shortest, typical, longest
YEARS = 2
GROWTH = 0.12  # reports a year from now vs a year ago, city-wide: +12%
STREET_TREND = 0.12  # spread of the streets' own trends (per year)
# How much an area reports per resident beyond its urban / rural mix: the core's visitors and
# commuters, and its higher use of 12345 and the mini-program (our estimate).
DISTRICT_REPORTING = {
    "620102": 1.1,  # 城关区
    "620103": 1.05,  # 七里河区
    "620104": 1.0,  # 西固区
    "620105": 0.95,  # 安宁区
    "620111": 0.9,  # 红古区
    "620121": 0.85,  # 永登县
    "620122": 0.9,  # 皋兰县
    "620123": 0.85,  # 榆中县
}
# Lasting spread of reporting between areas of one parent (log-normal sigmas) and the share of
# grids that are hotspots (a market, a bar street, a troubled estate) and by how much.
AREA_SPREAD = {"street": 0.25, "community": 0.2, "grid": 0.3}
HOT_GRIDS, HOT_FACTOR = 0.04, 3.0
# A severity-4 case about a subject that can threaten stability becomes a major risk (涉稳) this
# often (30 % in a cluster): about 1,000 a year at the city's volume (the seeds: 1,983 handled).
MAJOR_CHANCE = 0.04
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
DESCRIPTION_VARIANTS = 12
# Share of a subcategory's reports about a public spot (a gate, a road, a square) rather than
# one household; the rest name a household (or, in a dedicated grid, an office or a stall).
PUBLIC_SHARE = {
    "road_traffic": 0.8, "municipal": 0.7, "sanitation": 0.65, "geological": 0.8,
    "production": 0.6, "fight": 0.6, "nuisance": 0.6, "noise": 0.45, "theft": 0.4,
    "gambling_drugs": 0.4, "fire": 0.35, "ebike_charging": 0.35, "wage_arrears": 0.4,
    "property_management": 0.25, "building": 0.2, "water_power": 0.2, "heating": 0.1,
    "gas": 0.1, "demolition_resettlement": 0.15, "overdue_delivery": 0.2, "land": 0.15,
}  # fmt: skip
PRIVATE_PUBLIC_SHARE = 0.05  # any other subcategory
# Public spots of a grid, by its kind; some draw many more reports than others.
PUBLIC_SPOTS = {
    "urban": (
        "小区南门", "小区北门", "小区东门", "小区西门", "地下车库", "地面停车场", "中心广场",
        "快递驿站", "垃圾分类点", "配电房", "沿街商铺", "菜市场", "公交站", "路口", "健身器材区",
        "电动车充电棚", "物业服务中心", "幼儿园门口", "儿童游乐场", "消防通道", "楼间道路",
        "绿化带", "锅炉房", "便利店门前", "自行车棚", "南侧人行道", "北侧人行道", "东侧围墙",
        "西侧围墙", "门卫室", "化粪池", "二次供水泵房", "小区花园", "宠物活动区", "外卖柜",
        "地下室入口", "临街餐馆", "药店门前", "银行网点", "社区卫生站",
    ),
    "rural": (
        "村委会", "村口", "文化广场", "灌溉水渠", "打麦场", "村道", "小学门口", "卫生所",
        "小卖部", "河滩", "养殖场", "砖厂", "公路边", "山坡地", "老井", "村东桥头", "农贸集市",
        "垃圾收集点", "变压器旁", "祠堂前", "果园", "蔬菜大棚", "机井房", "涝池", "晒场",
        "磨坊", "羊圈", "林带", "沟口", "水窖", "便民服务点", "党群服务中心",
    ),
    "dedicated": (
        "大厅", "地下车库", "东门", "西门", "消防通道", "电梯间", "卸货区", "外摆区",
        "屋顶平台", "配电间", "停车场", "广场", "保安室", "后巷", "南门", "北门", "安全出口",
        "自动扶梯", "公共卫生间", "货运通道",
    ),
}  # fmt: skip
_SPOTS = max(len(v) for v in PUBLIC_SPOTS.values())
_WHOLE_BUILDING = 99_999  # the room code of an address naming a whole building
RESIDENTS_PER_BUILDING = 250
# Floors of an urban estate's buildings (old walk-ups to new towers) and how common each is.
FLOORS, FLOOR_SHARES = (6, 7, 11, 18, 26, 33), (0.3, 0.2, 0.2, 0.15, 0.1, 0.05)
RESIDENTS_PER_HOUSE = 3.2

SOURCE_CODES = list(SOURCES)
# The demo draws the five governance categories (not the catch-all `other`) and the
# subcategories it has weights and texts for (not those only the sources' imports use).
CATEGORY_CODES = [c for c in CATEGORIES if c != OTHER]
_DRAWN = [(c, s) for c in CATEGORY_CODES for s in CATEGORIES[c].subcategories]
SUBCATEGORY_CODES = [s for _, s in _DRAWN if s in SUBCATEGORY_WEIGHTS]
_SUB_CATEGORY = np.array([CATEGORY_CODES.index(c) for c, s in _DRAWN if s in SUBCATEGORY_WEIGHTS])
_PUBLIC = np.array([PUBLIC_SHARE.get(s, PRIVATE_PUBLIC_SHARE) for s in SUBCATEGORY_CODES])
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
    window = _Window.before(now)
    grids = _GridTable.build(areas, centers, window, rng)
    n_cluster = round(CLUSTER_SHARE * n) if n >= 200 else 0
    n_episode = round(EPISODE_SHARE * n) if n >= 200 else 0
    parts = [
        _loose(grids, n - n_cluster - n_episode, window, rng),
        _episodes(grids, n_episode, window, rng),
        _clustered(grids, n_cluster, window, rng),
    ]
    what = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    order = np.argsort(what["reported"], kind="stable")
    what = {key: value[order] for key, value in what.items()}
    todo = what["place"] < 0
    what["place"][todo], what["room"][todo] = grids.address(
        what["grid"][todo], what["sub"][todo], rng
    )
    lon, lat = _address_points(grids, what["grid"], what["place"], rng)
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
            "address": grids.address_text(what["grid"], what["place"], what["room"]),
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
    """The two years before now, as epoch seconds, with CST day boundaries."""

    start: int
    now: int
    day0: int  # CST midnight of the first day
    days: int

    @classmethod
    def before(cls, now: datetime) -> _Window:
        start = now - timedelta(days=round(365.25 * YEARS))
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

    def years_from_middle(self) -> np.ndarray:
        """Each day's distance in years from the middle of the window."""
        return (np.arange(self.days) - self.days / 2) / 365.25

    def inside(self, t: np.ndarray) -> np.ndarray:
        """t moved by whole weeks into [start, now) (keeps weekday and hour)."""
        t = np.where(t >= self.now, t - 7 * _DAY, t)
        return np.where(t < self.start, t + 7 * _DAY, t)


@dataclass(frozen=True)
class _GridTable:
    """Per small grid: codes, kind, weights, trend, geometry, addresses, centers at 4 levels."""

    code: np.ndarray
    community: np.ndarray
    street: np.ndarray
    district: np.ndarray
    kind: np.ndarray  # index into _KINDS
    weight: np.ndarray  # reports per day relative to other grids, lasting
    trend: np.ndarray  # (streets, days): each street's slow rise or fall
    street_of: np.ndarray
    geometry: np.ndarray
    bounds: np.ndarray
    address_prefix: np.ndarray
    households: np.ndarray  # buildings (urban), houses (rural) or floors (dedicated)
    floors: np.ndarray  # floors of an urban grid's buildings
    centers: np.ndarray  # (grids, 4): workstation, command post, sub-center, city center
    center_codes: np.ndarray

    @classmethod
    def build(
        cls,
        areas: gpd.GeoDataFrame,
        centers: gpd.GeoDataFrame,
        window: _Window,
        rng: np.random.Generator,
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
        prefix = np.array(
            [
                name[d] + name[s] + name[c]
                for d, s, c in zip(district, street, community, strict=True)
            ],
            dtype=object,
        )
        prefix = prefix + _grid_places(grids, community, kind, rng)
        streets, street_of = np.unique(street, return_inverse=True)
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
        slope = rng.normal(0.0, STREET_TREND, len(streets))
        years = window.years_from_middle()
        trend = (1 + GROWTH * years)[None, :] * np.maximum(1 + slope[:, None] * years, 0.3)
        return cls(
            code=grids["code"].to_numpy(dtype=object),
            community=community,
            street=street,
            district=district,
            kind=kind,
            weight=_weights(population, kind, district, street_of, community, rng),
            trend=trend,
            street_of=street_of,
            geometry=geometry,
            bounds=shapely.bounds(geometry),
            address_prefix=prefix,
            households=np.select(
                [kind == 0, kind == 1],
                [
                    np.clip(np.round(population / RESIDENTS_PER_BUILDING), 2, 40),
                    np.clip(np.round(population / RESIDENTS_PER_HOUSE), 15, 500),
                ],
                rng.integers(4, 25, len(grids)),
            ).astype(np.int64),
            floors=rng.choice(
                [6, 7, 11, 18, 26, 33], len(grids), p=[0.3, 0.2, 0.2, 0.15, 0.1, 0.05]
            ),
            centers=chain,
            center_codes=center_codes,
        )

    def intensity(self, profile: np.ndarray) -> np.ndarray:
        """Reports per grid and day for a category whose days follow `profile` (normalised)."""
        cells = self.weight[:, None] * self.trend[self.street_of] * profile[None, :]
        return (cells / cells.sum()).ravel()

    def address(
        self,
        grid: np.ndarray,
        sub: np.ndarray,
        rng: np.random.Generator,
        collective: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """A place (public spot < _SPOTS, else a household's building, house or floor) and a
        room within it for each report, from its grid and subcategory. A `collective` matter
        (a run of reports from many households) names a building or a public spot instead."""
        n = len(grid)
        kind = self.kind[grid]
        spots = np.array([len(PUBLIC_SPOTS[k]) for k in _KINDS])[kind]
        public = rng.random(n) < _PUBLIC[sub]
        if collective:
            public |= kind != 0
        spot = (spots * rng.random(n)).astype(np.int64)
        home = (self.households[grid] * rng.random(n)).astype(np.int64)
        floor = (self.floors[grid] * rng.random(n)).astype(np.int64)
        room = np.select(
            [kind == 0, kind == 2],
            [rng.integers(0, 4, n) * 1000 + floor * 10 + rng.integers(0, 2, n),
             rng.integers(0, 60, n)],
            0,
        )  # fmt: skip
        if collective:
            room[:] = _WHOLE_BUILDING
        place = np.where(public, spot, _SPOTS + np.where(kind == 2, 0, home))
        room = np.where(public, 0, np.where(kind == 2, home * 100 + room, room))
        return place, room

    def address_text(self, grid: np.ndarray, place: np.ndarray, room: np.ndarray) -> pd.Categorical:
        """The full address of each report, as a categorical (one text per distinct address)."""
        key = (grid.astype(np.int64) * 1_000 + place) * 100_000 + room
        unique, inverse = np.unique(key, return_inverse=True)
        g, rest = np.divmod(unique, 1_000 * 100_000)
        p, r = np.divmod(rest, 100_000)
        words = []
        for gi, pi, ri in zip(g.tolist(), p.tolist(), r.tolist(), strict=True):
            kind = _KINDS[self.kind[gi]]
            if pi < _SPOTS:
                end = PUBLIC_SPOTS[kind][pi]
            elif kind == "urban" and ri == _WHOLE_BUILDING:
                end = f"{pi - _SPOTS + 1}号楼"
            elif kind == "urban":
                unit, rest_ = divmod(ri, 1000)
                level, door = divmod(rest_, 10)
                end = f"{pi - _SPOTS + 1}号楼{unit + 1}单元{level + 1}{door + 1:02d}室"
            elif kind == "rural":
                end = f"{pi - _SPOTS + 1}号"
            else:
                level, door = divmod(ri, 100)
                end = f"{level + 1}层{door + 1}号"
            words.append(self.address_prefix[gi] + end)
        return pd.Categorical.from_codes(inverse.astype(np.int32), categories=words)


def _weights(
    population: np.ndarray,
    kind: np.ndarray,
    district: np.ndarray,
    street_of: np.ndarray,
    community: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each grid's lasting share of reports: residents (rural fewer per head, markets and
    offices as many as a typical urban grid), its district's reporting, a lasting factor per
    street, community and grid, and a few hotspot grids."""
    urban = kind == 0
    typical = np.median(population[urban]) if urban.any() else population.mean()
    base = np.select([kind == 0, kind == 1], [population, 0.55 * population], 0.35 * typical)
    by_district = np.array([DISTRICT_REPORTING.get(d, 1.0) for d in district])
    communities, community_of = np.unique(community, return_inverse=True)

    def factor(sigma: float, size: int) -> np.ndarray:
        return rng.lognormal(-(sigma**2) / 2, sigma, size)

    spread = (
        factor(AREA_SPREAD["street"], street_of.max() + 1)[street_of]
        * factor(AREA_SPREAD["community"], len(communities))[community_of]
        * factor(AREA_SPREAD["grid"], len(base))
    )
    hot = np.where(rng.random(len(base)) < HOT_GRIDS, HOT_FACTOR, 1.0)
    return base * by_district * spread * hot


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


def _new_rows(n: int) -> dict[str, np.ndarray]:
    """Address columns of reports whose address is drawn later (-1: not yet)."""
    return {
        "in_cluster": np.zeros(n, dtype=bool),
        "place": np.full(n, -1, dtype=np.int64),
        "room": np.zeros(n, dtype=np.int64),
    }


def _loose(grids: _GridTable, n: int, window: _Window, rng: np.random.Generator) -> dict:
    """Independent reports: category, source, then grid and day together by the category's
    intensity (grid weight × street trend × the category's days), subcategory, hour."""
    category = rng.choice(len(CATEGORY_CODES), size=n, p=_category_shares())
    source = _draw(category, _source_given_category(), rng)
    grid = np.empty(n, dtype=np.int64)
    day = np.empty(n, dtype=np.int64)
    dates = window.dates()
    for c in range(len(CATEGORY_CODES)):
        rows = np.flatnonzero(category == c)
        if len(rows) == 0:
            continue
        cells = rng.choice(len(grids.weight) * window.days, size=len(rows), p=grids.intensity(
            _day_profile(c, dates)
        ))  # fmt: skip
        grid[rows], day[rows] = np.divmod(cells, window.days)
    return {
        "grid": grid,
        "source": source,
        "sub": _subcategory(category, grids.kind[grid], day, dates, rng),
        "reported": _at(day, category, source, window, rng),
        **_new_rows(n),
    }


def _episodes(grids: _GridTable, n: int, window: _Window, rng: np.random.Generator) -> dict:
    """Hotspots that appear and fade: runs of one category in one grid over weeks to months,
    rising to a peak about a third of the way and fading; those still running at `now` are
    seen only up to it (a hotspot appearing now)."""
    k = max(1, n // EPISODE_MEAN_SIZE)
    shortest, typical, longest = (7 * _DAY * w for w in EPISODE_WEEKS)
    length = np.clip(typical * rng.lognormal(0, 0.5, k), shortest, longest)
    start = window.start - 0.5 * length + rng.random(k) * (window.now - window.start)
    e_grid = rng.choice(len(grids.weight), size=k, p=grids.weight / grids.weight.sum())
    e_category = rng.choice(len(CATEGORY_CODES), size=k, p=_category_shares())
    member = rng.choice(k, size=n, p=_normalised(rng.lognormal(0.0, 0.6, k)))
    # position within the episode: a triangle peaking at a third, cut to what lies in the window
    low = np.clip((window.start - start) / length, 0, 1)[member]
    high = np.clip((window.now - start) / length, 0, 1)[member]
    position = _triangle_ppf(
        _triangle_cdf(low) + rng.random(n) * (_triangle_cdf(high) - _triangle_cdf(low))
    )
    t = start[member] + position * length[member]
    day = np.clip((t - window.day0) // _DAY, 0, window.days - 1).astype(np.int64)
    category = e_category[member]
    source = _draw(category, _source_given_category(), rng)
    grid = e_grid[member]
    return {
        "grid": grid,
        "source": source,
        "sub": _subcategory(category, grids.kind[grid], day, window.dates(), rng),
        "reported": _at(day, category, source, window, rng),
        **_new_rows(n),
    }


_PEAK = 1 / 3


def _triangle_cdf(x: np.ndarray) -> np.ndarray:
    return np.where(x <= _PEAK, x**2 / _PEAK, 1 - (1 - x) ** 2 / (1 - _PEAK))


def _triangle_ppf(p: np.ndarray) -> np.ndarray:
    return np.where(p <= _PEAK, np.sqrt(p * _PEAK), 1 - np.sqrt((1 - p) * (1 - _PEAK)))


def _clustered(grids: _GridTable, n: int, window: _Window, rng: np.random.Generator) -> dict:
    """Runs of reports from one address about one subject within a few weeks."""
    k = max(1, n // CLUSTER_MEAN_SIZE)
    subjects = np.array([SUBCATEGORY_CODES.index(s) for s in CLUSTER_SUBJECTS])
    subject_p = np.array(list(CLUSTER_SUBJECTS.values()))
    c_grid = rng.choice(len(grids.weight), size=k, p=grids.weight / grids.weight.sum())
    c_sub = rng.choice(subjects, size=k, p=subject_p / subject_p.sum())
    c_place, c_room = grids.address(c_grid, c_sub, rng, collective=True)
    c_length = rng.integers(14, 61, k) * _DAY
    c_start = window.start + (rng.random(k) * (window.now - window.start - c_length)).astype(
        np.int64
    )
    member = rng.choice(k, size=n, p=_normalised(rng.lognormal(0.0, 0.8, k)))
    sub = c_sub[member]
    off_topic = rng.random(n) < 0.2
    sub[off_topic] = _subcategory(
        _SUB_CATEGORY[sub[off_topic]],
        grids.kind[c_grid[member[off_topic]]],
        ((c_start[member[off_topic]] - window.day0) // _DAY).astype(np.int64),
        window.dates(),
        rng,
    )
    source = _draw(_SUB_CATEGORY[sub], _source_given_category(), rng)
    start = c_start[member] + (rng.random(n) * c_length[member]).astype(np.int64)
    day = (start - window.day0) // _DAY
    return {
        "grid": c_grid[member],
        "source": source,
        "sub": sub,
        "reported": _at(day, _SUB_CATEGORY[sub], source, window, rng),
        "in_cluster": np.ones(n, dtype=bool),
        "place": c_place[member],
        "room": c_room[member],
    }


def _shares() -> np.ndarray:
    """Source shares in SOURCE_CODES order."""
    return _normalised(np.array([SOURCE_SHARES[s] for s in SOURCE_CODES]))


def _joint() -> np.ndarray:
    """P(source, category) from the tables above (sources × categories)."""
    return _shares()[:, None] * np.array([CATEGORY_BY_SOURCE[s] for s in SOURCE_CODES])


def _category_shares() -> np.ndarray:
    """The share of each category among all reports."""
    return _joint().sum(axis=0)


def _source_given_category() -> np.ndarray:
    """P(source | category) as rows per category (Bayes on the tables above)."""
    joint = _joint()
    return (joint / joint.sum(axis=0)).T


def _seasons(dates: np.ndarray) -> np.ndarray:
    """Seasonal factor of every subcategory on each date (days × subcategories)."""
    return np.column_stack([_season(s, dates) for s in SUBCATEGORY_CODES])


def _day_profile(category: int, dates: np.ndarray) -> np.ndarray:
    """Relative reports of a category per day: weekday, holidays, its subcategories' seasons."""
    mine = _SUB_CATEGORY == category
    weights = np.array([SUBCATEGORY_WEIGHTS[s][0] for s in SUBCATEGORY_CODES]) * mine
    season = _seasons(dates) @ (weights / weights.sum())
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-05 was a Monday
    rhythm = WEEKDAY_PUBLIC_ORDER if CATEGORY_CODES[category] == "public_order" else WEEKDAY
    quiet = np.where(spring_festival_days(dates), 0.55, np.where(golden_week_days(dates), 0.8, 1))
    return rhythm[weekday] * quiet * season


def _subcategory(
    category: np.ndarray,
    kind: np.ndarray,
    day: np.ndarray,
    dates: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """A subcategory index for each (category, grid kind, week of the day's season)."""
    weights = np.array([SUBCATEGORY_WEIGHTS[s] for s in SUBCATEGORY_CODES])  # (subs, kinds)
    weeks = np.arange(0, len(dates), 7)
    seasons = _seasons(dates[np.minimum(weeks + 3, len(dates) - 1)])  # (weeks, subs)
    week = day // 7
    group = (category * len(_KINDS) + kind) * len(weeks) + week
    table = np.zeros((len(CATEGORY_CODES) * len(_KINDS) * len(weeks), len(SUBCATEGORY_CODES)))
    for c in range(len(CATEGORY_CODES)):
        for k in range(len(_KINDS)):
            rows = (c * len(_KINDS) + k) * len(weeks) + np.arange(len(weeks))
            table[rows] = seasons * (weights[:, k] * (_SUB_CATEGORY == c))[None, :]
    return _draw(group, table, rng)


def _at(
    day: np.ndarray,
    category: np.ndarray,
    source: np.ndarray,
    window: _Window,
    rng: np.random.Generator,
) -> np.ndarray:
    """Report times (epoch seconds) on the given CST days, at an hour by profile."""
    hour = _hours(category, source, rng)
    t = window.day0 + day * _DAY + hour * 3600 + rng.integers(0, 3600, len(day))
    return window.inside(t)


def _hours(category: np.ndarray, source: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A CST hour for each report: public order at night, patrols in working hours."""
    which = np.where(category == CATEGORY_CODES.index("public_order"), 1, 0)
    which = np.where(source == SOURCE_CODES.index("grid_patrol"), 2, which)
    return _draw(which, np.stack([HOURS_DAY, HOURS_NIGHT, HOURS_PATROL]), rng)


def _season(sub: str, dates: np.ndarray) -> np.ndarray:
    """Seasonal factor of a subcategory on each date."""
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    ones = np.ones(len(dates))
    if sub == "heating":  # Lanzhou heats from November to March
        return np.select(
            [np.isin(month, [11, 12, 1, 2, 3]), np.isin(month, [10, 4])], [3.0, 1.0], 0.15
        )
    if sub == "wage_arrears":  # before the Spring Festival workers want their pay
        return np.where(days_before_spring_festival(dates, 60), 3.0, 1.0)
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
    chance = np.where(in_cluster, 0.3, MAJOR_CHANCE)
    major = (severity == 4) & stability & (rng.random(len(sub)) < chance)
    return severity.astype(np.int16), major


def _address_points(
    grids: _GridTable, grid: np.ndarray, place: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One random point inside its grid for every place (a spot, a building, a house), shared
    by every report about it."""
    key = grid.astype(np.int64) * 1_000 + place
    unique, inverse = np.unique(key, return_inverse=True)
    g = unique // 1_000
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
    order = np.argsort(group, kind="stable")
    groups, starts = np.unique(group[order], return_index=True)
    ends = np.append(starts[1:], len(order))[: len(starts)]
    for g, a, b in zip(groups.tolist(), starts.tolist(), ends.tolist(), strict=True):
        out[order[a:b]] = rng.choice(table.shape[1], size=b - a, p=_normalised(table[g]))
    return out


def _normalised(w: np.ndarray) -> np.ndarray:
    """w / w.sum()."""
    return w / w.sum()
