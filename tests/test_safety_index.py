"""The safety index: scores, weights, contributions and the rules file, with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.drill.safety_index import (
    DEFAULT_RULES,
    IndexInputs,
    Indicator,
    load_rules,
    parse_rules,
    safety_index,
)
from geo.errors import ConfigError
from geo.queries.kpis import Kpis

RULES_TEXT = """
rate_days = 30
min_population = 100
min_cases = 4
categories = ["dispute", "public_order"]

[[indicator]]
key = "incident_rate"
zh = "每千人诉求"
en = "Rate"
weight = 2
good = 2.0
bad = 12.0

[[indicator]]
key = "resolved_rate"
zh = "化解成功率"
en = "Resolved"
weight = 1
good = 1.0
bad = 0.5

[[indicator]]
key = "repeat_rate"
zh = "重复"
en = "Repeat"
weight = 1
good = 0.0
bad = 0.5

[[band]]
key = "good"
min = 80
zh = "良好"
en = "Good"
color = "#00aa00"

[[band]]
key = "bad"
min = 0
zh = "预警"
en = "Alert"
color = "#aa0000"
"""


def inputs(**changes) -> IndexInputs:
    """One area over 30 days: 2,000 residents, 14 cases of the index's categories."""
    kpis = Kpis(new=20, concluded=10, resolved=8, open=4, overdue=1, concluded_late=2, escalated=3)
    base = {"kpis": kpis, "population": 2000, "days": 30.0, "new_in_categories": 14, "repeats": 5}
    base.update(changes)
    return IndexInputs(**base)


def test_scores_are_linear_between_the_anchors_and_clipped():
    """good scores 100, bad 0, halfway 50, and beyond the anchors the score stays in 0–100."""
    rate = Indicator("incident_rate", "", "", 1, good=2, bad=12)
    assert [rate.score(v) for v in (2, 7, 12, 0, 40)] == [100, 50, 0, 100, 0]
    resolved = Indicator("resolved_rate", "", "", 1, good=1.0, bad=0.5)
    assert resolved.score(0.75) == pytest.approx(50)


def test_index_is_the_weighted_mean_and_contributions_add_up():
    """7 per 1,000 → 50, 80% resolved → 60, 25% repeats → 50: (2·50 + 60 + 50) / 4 = 52.5."""
    rules = parse_rules(RULES_TEXT)
    index = safety_index(inputs(), rules)
    rate = index.contribution("incident_rate")
    assert rate.value == pytest.approx(7.0) and rate.score == pytest.approx(50)
    assert index.contribution("resolved_rate").score == pytest.approx(60)
    assert index.contribution("repeat_rate").score == pytest.approx(50)
    assert index.value == pytest.approx(52.5)
    assert sum(c.points for c in index.contributions) == pytest.approx(index.value)
    assert sum(c.points + c.lost for c in index.contributions) == pytest.approx(100)
    assert rate.points == pytest.approx(25) and rate.lost == pytest.approx(25)
    assert index.band.key == "bad"


def test_rates_per_resident_are_scaled_to_thirty_days():
    """A week with the same daily rate scores the same as a month: comparable periods."""
    rules = parse_rules(RULES_TEXT)
    week = safety_index(inputs(days=7.0, new_in_categories=14 * 7 / 30), rules)
    assert week.contribution("incident_rate").value == pytest.approx(7.0)


def test_small_bases_are_not_rated_and_their_weight_moves():
    """Under min_population residents the rate is not rated; the other two share the weight."""
    rules = parse_rules(RULES_TEXT)
    index = safety_index(inputs(population=50), rules)
    rate = index.contribution("incident_rate")
    assert not rate.rated and rate.points == 0 and rate.weight == 0
    assert index.value == pytest.approx((60 + 50) / 2)
    few = safety_index(inputs(kpis=Kpis(new=20, concluded=3, resolved=0)), rules)
    assert not few.contribution("resolved_rate").rated


def test_nothing_rated_gives_no_index():
    """An area with no residents and no cases has no index rather than a made-up one."""
    index = safety_index(inputs(kpis=Kpis(), population=0, new_in_categories=0, repeats=0))
    assert index.value is None and index.band is None


def test_default_rules_load_and_weights_sum_to_one():
    """The packaged rules file is valid and its weights add up to 1."""
    rules = load_rules()
    assert DEFAULT_RULES.is_file()
    assert sum(i.weight for i in rules.indicators) == pytest.approx(1.0)
    assert {i.key for i in rules.indicators} >= {"incident_rate", "resolved_rate", "overdue_rate"}
    assert rules.band(95).key == "safe" and rules.band(10).key == "alert"


def test_default_overdue_rate_counts_late_and_overdue_of_all_workload():
    """(2 late + 1 overdue) / (10 concluded + 4 open) = 3/14."""
    index = safety_index(inputs())
    assert index.contribution("overdue_rate").value == pytest.approx(3 / 14)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('key = "repeat_rate"', 'key = "happiness"'), "unknown safety index indicators"),
        (("weight = 2", "weight = -2"), "weights must be >= 0"),
        (("min = 0", "min = 10"), "bands must cover 0"),
        (('"public_order"]', '"weather"]'), "unknown categories"),
        (("good = 2.0", "good = 12.0"), "anchors must differ"),
        (("[[band]]", "[[band]"), "malformed"),
    ],
)
def test_bad_rules_are_refused_clearly(change, message):
    """A typo in the rules file stops with a message that says what is wrong."""
    with pytest.raises(ConfigError, match=message):
        parse_rules(RULES_TEXT.replace(*change, 1))


def test_missing_rules_file_is_a_config_error(tmp_path: Path):
    """A rules path that does not exist is a ConfigError, not a traceback."""
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "nope.toml")
