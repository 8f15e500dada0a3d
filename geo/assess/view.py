"""Scorecards as a table for a page, in Chinese or English (the drill-down's 一体考评 tab)."""

from __future__ import annotations

import pandas as pd

from geo.assess.measure import LEVELS
from geo.assess.rules import ScorecardRules
from geo.assess.score import NO_CASES, Scorecard
from geo.vocabulary import AREA_LEVELS, CENTER_LEVELS

WORDS = {
    # the levels' names are the vocabulary's
    **{code: (label.zh, label.en) for code, label in CENTER_LEVELS.items()},
    "grid": (AREA_LEVELS["grid"].zh, AREA_LEVELS["grid"].en),
    "level": ("层级", "Level"),
    "rank": ("同级排名", "Rank among peers"),
    "name": ("名称", "Name"),
    "score": ("综合得分", "Score"),
    "grade": ("等级", "Grade"),
    "received": ("受理案件", "Received"),
    "overdue_end": ("期末超期", "Overdue at end"),
    "returned": ("退回", "Sent back"),
    "reopened": ("重新办理", "Reopened"),
    "supervised": ("督办", "Supervised"),
    "escalated": ("上报", "Escalated"),
    "follow_ups": ("回访", "Follow-ups"),
    NO_CASES: ("无案件", "No cases"),
    "too_few": ("样本不足", "Too few cases"),
}


def word(key: str, lang: str) -> str:
    """A label of this module in the language."""
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


def scorecard_frame(cards: list[Scorecard], rules: ScorecardRules, lang: str) -> pd.DataFrame:
    """One row per card (by level, then rank): score, grade, counts and each indicator's value
    (rates as percentages; None where not rated)."""
    ordered = sorted(cards, key=lambda c: (LEVELS.index(c.subject.level), c.rank or 10**9))
    rows = []
    for card in ordered:
        counts = card.counts
        row = {
            word("level", lang): word(card.subject.level, lang),
            word("rank", lang): f"{card.rank}/{card.peers}" if card.rank else "—",
            word("name", lang): card.subject.name,
            word("score", lang): None if card.score is None else round(card.score, 1),
            word("grade", lang): card.band.label(lang)
            if card.band
            else word(card.unscored or NO_CASES, lang),
        }
        for key in ("received", "overdue_end", "returned", "reopened", "supervised", "escalated",
                    "follow_ups"):  # fmt: skip
            row[word(key, lang)] = getattr(counts, key)
        for indicator in rules.indicators:
            c = card.contribution(indicator.key)
            row[indicator.label(lang)] = round(100 * c.value, 1) if c.rated else None
        rows.append(row)
    return pd.DataFrame(rows)
