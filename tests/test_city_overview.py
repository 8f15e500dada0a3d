"""The city overview: its counts (three indexed reads), its map made once per boundary version
and data, the plain overview after a back from a district, and the runner's settings."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from geo import db
from geo.queries.areas import district_summaries
from geo.timeutil import now_utc
from tests.support import area_map_data, signed_in

ROOT = Path(__file__).resolve().parent.parent
OVERVIEW = "dashboard/city_overview.py"
OPEN = ("reported", "assigned", "in_progress")


def test_the_runner_has_no_magic_and_no_collection_after_each_run():
    """The config turns off magic and the garbage collection Streamlit runs after each run."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"] == {"magicEnabled": False, "postScriptGC": False}


def test_no_session_watches_the_source_files():
    """No file watcher: a new session would otherwise watch every module of the app."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"


def _bare_expressions(path: Path) -> list[int]:
    """Lines of expressions standing alone (what magic would write), docstrings aside."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    kept = ast.Call | ast.Await | ast.Yield | ast.YieldFrom
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and id(node) not in docstrings
        and not isinstance(node.value, kept)
    ]  # fmt: skip


def test_no_page_relies_on_magic():
    """With magic off, a bare expression on a page would show nothing: there is none."""
    pages = [ROOT / "streamlit_app.py", *sorted((ROOT / "dashboard").rglob("*.py"))]
    found = {str(p.relative_to(ROOT)): lines for p in pages if (lines := _bare_expressions(p))}
    assert found == {}
    assert _bare_expressions(ROOT / "tests" / "test_city_overview.py") == []  # the check runs


@pytest.mark.db
def test_district_summaries_count_what_the_table_holds(demo_db):
    """Residents, streets, grids, recent, open and overdue per district, as counted directly."""
    now = now_utc()
    since = now - timedelta(days=30)
    conn = db.connect(demo_db)
    try:
        got = {s.code: s for s in district_summaries(conn, since, now)}
        with conn.cursor() as cur:
            cur.execute(
                "SELECT d.code, d.population,"
                " (SELECT count(*) FROM current_areas s WHERE s.parent_code = d.code),"
                " (SELECT count(*) FROM current_areas g JOIN current_areas c"
                "  ON g.parent_code = c.code JOIN current_areas s ON c.parent_code = s.code"
                "  WHERE s.parent_code = d.code AND g.level = 'grid'),"
                " count(i.id) FILTER (WHERE i.reported_at >= %(since)s),"
                " count(i.id) FILTER (WHERE i.status = ANY(%(open)s)),"
                " count(i.id) FILTER (WHERE i.status = ANY(%(open)s) AND i.deadline_at < %(now)s)"
                " FROM current_areas d LEFT JOIN incidents i ON i.district_code = d.code"
                " WHERE d.level = 'district' GROUP BY d.code, d.population",
                {"since": since, "now": now, "open": list(OPEN)},
            )
            expected = {row[0]: row[1:] for row in cur.fetchall()}
    finally:
        conn.close()
    assert set(got) == set(expected) and len(got) >= 8
    for code, s in got.items():
        assert (s.population, s.streets, s.grids, s.recent, s.open, s.overdue) == expected[code]
    assert sum(s.recent for s in got.values()) > 0 and sum(s.overdue for s in got.values()) > 0


@pytest.fixture
def overview(demo_db, open_app):
    """The overview in AppTest against the seeded demo, signed in as the city leader."""
    at = signed_in(open_app(demo_db, timeout=180), demo_db, "city_leader")
    return at.run().switch_page(OVERVIEW)


@pytest.mark.db
def test_the_map_is_made_once_and_a_back_from_a_district_shows_the_plain_overview(overview):
    """Two runs send the same map (made once: the districts filled, clickable at the city's
    view); opened at `?area=…&period=…` (a back from a district's drill-down) the page takes
    them out of the URL and shows the overview."""
    at = overview.run()
    assert not at.exception, at.exception
    spec = area_map_data(at)["spec"]
    layers = {layer["id"]: layer for layer in json.loads(spec)["layers"]}
    districts = layers["districts@city"]["data"]["features"]
    assert len(districts) >= 8 and all(f["properties"]["fill"][3] > 0 for f in districts)
    assert {"recent", "open", "rate"} <= set(districts[0]["properties"])
    assert [i for i in layers if "@" in i] == ["districts@city"]  # once, however many runs
    again = at.run()
    assert area_map_data(again)["spec"] == spec
    assert [m.label for m in again.metric][:2] == ["常住人口", "网格数"]
    # the districts' table: one row each, plain (no data grid), its residents adding up to
    # the key figure
    assert not again.get("arrow_data_frame")
    (table,) = [h.proto.body for h in again.get("html") if "mq-table" in h.proto.body]
    rows = table.split("<tr>")[2:]
    assert len(rows) == len(districts)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in rows]
    residents = [int(row[1].replace(",", "")) for row in cells]
    assert f"{sum(residents):,}" == again.metric[0].value

    again.query_params["area"] = "620102"
    again.query_params["period"] = "30d"
    back = again.run()
    assert not back.exception, back.exception
    assert "area" not in back.query_params and "period" not in back.query_params
    assert back.title[0].value.endswith("全市概览")
