"""Plausible, invented Chinese place names for the generated units, deterministic for a seed."""

from __future__ import annotations

import itertools

import numpy as np

# Two-character names: a descriptive first character and a landform / place second one.
_FIRST = list(
    "东西南北中新安宁和平兴盛华建康乐福泰永丰金银青白兰龙凤明光阳春秋云雁焦伏草拱秀嘉临定靖广瑞"
)
_SECOND = list("岗关园桥湾坪场滩坡门林川峪岭城苑泉源台堡口庄营寨店河")
_SURNAMES = list(
    "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
_VILLAGE_SUFFIX = [
    "家",
    "家湾",
    "家庄",
    "家堡",
    "家坪",
    "家沟",
    "家营",
    "家岘",
    "家滩",
    "家川",
    "家窑",
    "家岔",
]
_VENUE = ["商厦", "市场", "大厦", "商城", "广场", "产业园", "写字楼", "综合体"]


def place_names(rng: np.random.Generator, n: int, taken: set[str] | None = None) -> list[str]:
    """n distinct two-character place names (e.g. 东岗), none of them in `taken`."""
    return _pick(rng, [a + b for a, b in itertools.product(_FIRST, _SECOND)], n, taken)


def village_names(rng: np.random.Generator, n: int, taken: set[str] | None = None) -> list[str]:
    """n distinct village stems in the surname style (e.g. 魏家湾), none of them in `taken`."""
    pool = [s + x for s, x in itertools.product(_SURNAMES, _VILLAGE_SUFFIX)]
    return _pick(rng, pool, n, taken)


def venue_names(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct names of office buildings and markets (e.g. 东岗商厦)."""
    stems = place_names(rng, n)
    return [
        stem + _VENUE[i] for stem, i in zip(stems, rng.integers(0, len(_VENUE), n), strict=True)
    ]


def _pick(rng: np.random.Generator, pool: list[str], n: int, taken: set[str] | None) -> list[str]:
    """n names drawn without replacement from pool minus taken (numbered when it runs out)."""
    free = [name for name in pool if not taken or name not in taken]
    order = rng.permutation(len(free))
    names = [free[i] for i in order[:n]]
    for i in range(n - len(names)):
        names.append(f"{free[order[i % len(free)]]}{i // len(free) + 2}")
    return names
