"""What the demo knows about Lanzhou: its grid counts, urbanity, and where people live.

Counts are the ones reported in the seeds (110 streets, 1,086 communities, 7,507 small grids
= 2,945 urban + 3,823 rural + 739 dedicated). Urbanity is a rough share of each district's
residents living in town (our estimate, used to size and name the generated units). The
residential density is a made-up smooth surface: a strong peak on the city centre, a ridge
along the Yellow River valley (西固 - 安宁 - 七里河 - 城关) and bumps on the county seats.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

CITY_CODE = "620100"
CITY_NAME = "兰州市"

STREETS = 110
COMMUNITIES = 1_086
URBAN_GRIDS = 2_945
RURAL_GRIDS = 3_823
DEDICATED_GRIDS = 739  # office buildings and markets (专属网格)

# adcode -> share of residents living in town (街道/社区) rather than villages.
URBANITY: dict[str, float] = {
    "620102": 1.0,  # 城关区
    "620103": 0.85,  # 七里河区
    "620104": 0.8,  # 西固区
    "620105": 0.9,  # 安宁区
    "620111": 0.4,  # 红古区
    "620121": 0.25,  # 永登县
    "620122": 0.25,  # 皋兰县
    "620123": 0.3,  # 榆中县
}
# The urban core along the valley, where dedicated grids (office buildings, markets) are.
CORE_DISTRICTS = ("620102", "620103", "620104", "620105")

# Typical residents per unit, to turn population into unit counts (urban vs rural).
RESIDENTS_PER_STREET = (55_000, 18_000)
RESIDENTS_PER_COMMUNITY = (8_700, 1_400)

CENTRE = (103.83, 36.06)  # lon, lat of the city centre (城关, near 东方红广场)
NEW_AREA = (103.66, 36.50)  # 兰州新区 (Lanzhou New Area), astride 永登 and 皋兰
YELLOW_RIVER_VALLEY = np.array(
    [
        (103.40, 36.20),
        (103.55, 36.12),
        (103.65, 36.10),
        (103.72, 36.09),
        (103.80, 36.07),
        (103.87, 36.05),
        (103.95, 36.03),
        (104.02, 36.06),
    ]
)
COUNTY_SEATS = np.array(
    [
        (102.87, 36.35),  # 红古 海石湾
        (103.26, 36.74),  # 永登 城关镇
        (103.95, 36.33),  # 皋兰 石洞镇
        (104.11, 35.85),  # 榆中 城关镇
        NEW_AREA,
    ]
)

_KM_PER_DEG_LAT = 110.57
_KM_PER_DEG_LON = 111.32 * np.cos(np.radians(CENTRE[1]))


def density(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Relative residential density at the points (1 = rural background, ~500 downtown)."""
    x = (np.asarray(lon, dtype=float) - CENTRE[0]) * _KM_PER_DEG_LON
    y = (np.asarray(lat, dtype=float) - CENTRE[1]) * _KM_PER_DEG_LAT
    core = 400.0 * np.exp(-(x**2 + y**2) / (2 * 6.0**2))
    valley = 100.0 * np.exp(-(_distance_to_valley_km(x, y) ** 2) / (2 * 2.5**2))
    seats_x = (COUNTY_SEATS[:, 0] - CENTRE[0]) * _KM_PER_DEG_LON
    seats_y = (COUNTY_SEATS[:, 1] - CENTRE[1]) * _KM_PER_DEG_LAT
    d2 = (x[..., None] - seats_x) ** 2 + (y[..., None] - seats_y) ** 2
    seats = 40.0 * np.exp(-d2 / (2 * 3.0**2)).sum(axis=-1)
    return 1.0 + core + valley + seats


def _distance_to_valley_km(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance in km from points (km from the centre) to the valley polyline."""
    vx = (YELLOW_RIVER_VALLEY[:, 0] - CENTRE[0]) * _KM_PER_DEG_LON
    vy = (YELLOW_RIVER_VALLEY[:, 1] - CENTRE[1]) * _KM_PER_DEG_LAT
    ax, ay, bx, by = vx[:-1], vy[:-1], vx[1:], vy[1:]
    dx, dy = bx - ax, by - ay
    px, py = x[..., None] - ax, y[..., None] - ay
    t = np.clip((px * dx + py * dy) / (dx**2 + dy**2), 0.0, 1.0)
    return np.sqrt((px - t * dx) ** 2 + (py - t * dy) ** 2).min(axis=-1)
