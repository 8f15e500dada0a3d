"""A drill-down run in AppTest: its charts made once per area and period, and its report
buttons keyed by the area they make the file of, drawn before the ranking."""

from __future__ import annotations

import json

import pytest

from geo.drill.step import default_period
from geo.timeutil import now_utc
from tests.support import signed_in

pytestmark = pytest.mark.db
DRILL = "dashboard/drilldown.py"


@pytest.fixture
def drill(demo_db, open_app):
    """The drill-down at the city over the last full month, signed in as the city leader."""
    at = signed_in(open_app(demo_db, timeout=180), demo_db, "city_leader").run()
    at.query_params.clear()  # the live map, opened first, put its own period there
    at = at.switch_page(DRILL)
    at.query_params["period"] = default_period(now_utc())
    return at.run()


def _charts(at) -> list[dict]:  # noqa: ANN001 - AppTest
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def _elements(at) -> list:  # noqa: ANN001 - AppTest
    """The page's elements in the order drawn."""
    found, todo = [], list(at._tree.children.values())
    while todo:
        node = todo.pop(0)
        found.append(node)
        todo[:0] = list(getattr(node, "children", {}).values())
    return found


def test_charts_are_made_once_and_carry_their_data(drill):
    """Trend, categories, sources and the index's contributions (and the judgement tabs'):
    the same specs on a rerun, each with its data and without Altair's default view size."""
    assert not drill.exception, drill.exception
    charts = _charts(drill)
    assert len(charts) >= 4
    for spec in charts:
        assert "continuousWidth" not in spec.get("config", {}).get("view", {})
    datasets = [c.proto.datasets for c in drill.get("vega_lite_chart")]
    assert all(len(d) >= 1 for d in datasets[:4])
    again = drill.run()
    assert _charts(again) == charts


def test_report_buttons_belong_to_the_area_shown(drill):
    """The Excel and PDF buttons carry the area and period in their key (a stale button
    makes its own area's file), come right after the map, before the ranking, and the next
    area's replace them when it opens."""
    period = default_period(now_utc())
    ids = [b.proto.id for b in drill.get("download_button")]
    assert [i.rsplit("-", 4)[-4:] for i in ids] == [
        ["xlsx", "620100", *period.split("-")],
        ["pdf", "620100", *period.split("-")],
    ]
    drawn = [id(e) for e in _elements(drill)]
    ranking = next(df for df in drill.dataframe if "排名" in df.value.columns)
    assert drawn.index(id(drill.get("download_button")[0])) < drawn.index(id(ranking))

    drill.query_params["area"] = "620102"
    district = drill.run()
    assert not district.exception, district.exception
    ids = [b.proto.id for b in district.get("download_button")]
    assert len(ids) == 2 and all(i.endswith(f"-620102-{period}") for i in ids)
