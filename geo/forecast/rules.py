"""The forecast's rules (`geo/rules/forecast.toml`): horizons, training, intervals, backtest."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from geo.drill.safety_index import read_rules_text
from geo.errors import ConfigError

DEFAULT_RULES = Path(str(resources.files("geo.rules").joinpath("forecast.toml")))
_MODEL_KEYS = {
    "num_boost_round": int, "learning_rate": float, "num_leaves": int, "min_data_in_leaf": int,
    "feature_fraction": float, "bagging_fraction": float, "bagging_freq": int,
    "lambda_l2": float, "max_bin": int, "num_threads": int, "seed": int,
}  # fmt: skip


@dataclass(frozen=True)
class ForecastRules:
    """What the forecast and its backtest do, as read from the rules file."""

    horizons: int
    train_origins: int
    calibration_origins: int
    low: float
    high: float
    backtest_weeks: int
    refit_every_weeks: int
    flag_shares: tuple[float, ...]
    model: dict[str, float | int]
    rising_grids: int
    min_rise: float
    version: str
    text: str


def parse_rules(text: str) -> ForecastRules:
    """Rules from TOML text; a clear ConfigError for anything missing or inconsistent."""
    try:
        data = tomllib.loads(text)
        back, rising = data["backtest"], data["rising"]
        rules = ForecastRules(
            horizons=int(data["horizons"]),
            train_origins=int(data["train_origins"]),
            calibration_origins=int(data["calibration_origins"]),
            low=float(data["low"]),
            high=float(data["high"]),
            backtest_weeks=int(back["weeks"]),
            refit_every_weeks=int(back["refit_every_weeks"]),
            flag_shares=tuple(float(s) for s in back["flag_shares"]),
            model={key: kind(data["model"][key]) for key, kind in _MODEL_KEYS.items()},
            rising_grids=int(rising["grids"]),
            min_rise=float(rising["min_rise"]),
            version=f"{data.get('version', 0)}:{hashlib.sha256(text.encode()).hexdigest()[:8]}",
            text=text,
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"the forecast rules are malformed: {exc!r}") from None
    if not 1 <= rules.horizons <= 12:
        raise ConfigError("horizons must be between 1 and 12 weeks")
    if rules.train_origins < 4 or not 1 <= rules.calibration_origins < rules.train_origins:
        raise ConfigError("train_origins must be >= 4 and above calibration_origins (>= 1)")
    if not 0 < rules.low < 0.5 < rules.high < 1:
        raise ConfigError("the interval's quantiles must satisfy 0 < low < 0.5 < high < 1")
    if rules.backtest_weeks < 1 or rules.refit_every_weeks < 1:
        raise ConfigError("the backtest needs at least one week and a refit interval >= 1")
    if not rules.flag_shares or not all(0 < s < 1 for s in rules.flag_shares):
        raise ConfigError("flag_shares must be shares of the area between 0 and 1")
    return rules


@cache
def load_rules(path: Path = DEFAULT_RULES) -> ForecastRules:
    """The rules in a file (the packaged default unless another path is given), read once."""
    return parse_rules(read_rules_text(path, "forecast"))
