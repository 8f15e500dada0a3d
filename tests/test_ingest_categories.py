"""A resident's request is never dropped for its label: 其他 with the source's own label, listed,
moved later by a mapping with the rollups kept exact; swapped coordinates named as such."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from psycopg2 import sql

from geo import db
from geo.ingest.read import read_bytes
from geo.ingest.recategorise import recategorise
from geo.ingest.sources import load_rules
from geo.ingest.store import ingest_incidents
from tests.drill_fixtures import load_city
from tests.ingest_fixtures import GridPoint, csv_bytes, fetch, hotline_row

pytestmark = pytest.mark.db

NOW = datetime(2026, 12, 1, tzinfo=UTC)
G1 = GridPoint("G1", "C1", "S1", "D1", 103.05, 36.05)  # inside grid G1 of the hand-made city
G3 = GridPoint("G3", "C2", "S2", "D1", 103.3, 36.3)
# rollup table: (key columns, counted columns); hours rounded, summed in another order
ROLLUPS = {
    "incident_daily_flows": (
        "code, day, category, source",
        "new, major_new, escalated_new, repeat_new, concluded, resolved, concluded_late, "
        "round(hours::numeric,6)",
    ),
    "incident_daily_stocks": ("code, day", "opened, closed, due, due_done, major_opened, "
                              "major_closed"),
    "incident_daily_handling": ("code, day, bucket", "n"),
}  # fmt: skip


@pytest.fixture(scope="module")
def city_url(scratch):
    """The hand-made city of the drill-down tests (rollups counted as its cases came in)."""
    url = scratch.create_migrated()
    conn = db.connect(url)
    try:
        load_city(conn)
        with conn.cursor() as cur:  # the city's cases were written with their own ids
            cur.execute("SELECT setval(pg_get_serial_sequence('incidents', 'id'), 100)")
        conn.commit()
    finally:
        conn.close()
    return url


def _hotline(rows: list[dict[str, str]]) -> bytes:
    """A 12345 export as the hotline writes it: GB18030."""
    return csv_bytes(rows, "gb18030")


def _import(url: str, data: bytes, source: str = "hotline_12345", **kw):
    conn = db.connect(url)
    try:
        rows = read_bytes(data, "csv").rows
        return ingest_incidents(conn, rows, source, "测试员", now=NOW, **kw)
    finally:
        conn.close()


def _rollups(cur) -> dict[str, list[tuple]]:
    """Every rollup row that counts something (a moved case leaves zeros behind)."""
    out = {}
    for table, (keys, counted) in ROLLUPS.items():
        nonzero = sql.SQL(" OR ").join(
            sql.SQL("{} <> 0").format(sql.SQL(c)) for c in counted.split(", ")
        )
        cur.execute(
            sql.SQL("SELECT {keys}, {counted} FROM {table} WHERE {nonzero} ORDER BY {keys}").format(
                keys=sql.SQL(keys),
                counted=sql.SQL(counted),
                table=sql.Identifier(table),
                nonzero=nonzero,
            )
        )  # the column lists are this file's constants
        out[table] = cur.fetchall()
    return out


def test_hotline_categories_are_kept_listed_and_moved_later_with_exact_rollups(city_url, tmp_path):
    at = "2026-11-1{} 09:00"
    rows = [
        hotline_row("N1", G1, 诉求类型="噪音扰民", 诉求小类="", 来电时间=at.format(0)),
        hotline_row("N2", G1, 诉求类型="交通出行", 诉求小类="", 来电时间=at.format(1)),
        # a label no mapping names, twice at one address (the second is a repeat report)
        hotline_row("W1", G3, 诉求类型="天气", 诉求小类="", 诉求地址="二社区5号楼",
                    来电时间=at.format(2)),
        hotline_row("W2", G3, 诉求类型="天气", 诉求小类="", 诉求地址="二社区5号楼",
                    来电时间=at.format(4)),
        hotline_row("W3", G1, 诉求类型="天气", 诉求小类="暴雨", 来电时间=at.format(3)),
        # longitude and latitude swapped
        hotline_row("X1", G1, 经度=str(G1.lat), 纬度=str(G1.lon), 来电时间=at.format(5)),
    ]  # fmt: skip
    path = tmp_path / "12345工单.csv"
    path.write_bytes(_hotline(rows))
    env = {**os.environ, "DATABASE_URL": city_url}
    done = subprocess.run(
        [sys.executable, "-m", "geo.cli", "incidents", "import", str(path), "--source",
         "hotline_12345", "--partial"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # stored, with a reject
    assert "taken 5, duplicates 0, linked 0, rejected 1" in done.stdout
    listed = "kept as 其他 with their own label (3 rows):\n  天气: 2\n  天气 / 暴雨: 1\n"
    assert listed in done.stdout
    assert "line 7: 经纬度颠倒" in done.stdout
    stored = dict(
        (sid, rest)
        for sid, *rest in fetch(
            city_url,
            "SELECT source_id, category, subcategory, source_category, source_subcategory "
            "FROM incidents WHERE source_id IS NOT NULL",
        )
    )
    assert stored == {
        "N1": ["livelihood", "noise", "噪音扰民", ""],
        "N2": ["livelihood", "transport", "交通出行", ""],
        "W1": ["other", "", "天气", ""],
        "W2": ["other", "", "天气", ""],
        "W3": ["other", "", "天气", "暴雨"],
    }
    # the same rain, reported to 110 within the hour: linked to W3, in 其他 as well
    police = [{"警情编号": "P1", "报警时间": "2026-11-13 09:30", "警情类别": "天气",
               "警情细类": "暴雨", "经度": str(G1.lon), "纬度": str(G1.lat)}]  # fmt: skip
    assert _import(city_url, csv_bytes(police), "police_110").linked == 1

    mapping = tmp_path / "categories.toml"
    mapping.write_text('[category_names]\n"暴雨" = "safety_hazard/geological"\n', "utf-8")
    conn = db.connect(city_url)
    try:
        dry = recategorise(conn, "测试员", rules=load_rules(mapping), dry_run=True)
        assert [(m.label, m.sublabel, m.incidents, m.links) for m in dry.moved] == [
            ("天气", "暴雨", 1, 1)
        ]
        assert fetch(city_url, "SELECT category FROM incidents WHERE source_id = 'W3'") == [
            ("other",)
        ]
        first = recategorise(conn, "测试员", rules=load_rules(mapping))
        assert [(m.category, m.subcategory) for m in first.moved] == [
            ("safety_hazard", "geological")
        ]
        assert [(m.label, m.incidents) for m in first.remaining] == [("天气", 2)]
        mapping.write_text('[category_names]\n"天气" = "livelihood"\n', "utf-8")
        second = recategorise(conn, "测试员", rules=load_rules(mapping))
        assert [(m.label, m.sublabel, m.category) for m in second.moved] == [
            ("天气", "", "livelihood")
        ]
        assert second.remaining == []
        with conn.cursor() as cur:
            after = _rollups(cur)
            cur.execute("SELECT rollup_rebuild()")  # the rollups counted afresh …
            assert _rollups(cur) == after  # … are what the moves left, repeats included
        conn.rollback()
    finally:
        conn.close()
    assert fetch(
        city_url,
        "SELECT i.source_id, i.category, i.subcategory, l.category, l.subcategory "
        "FROM incidents i LEFT JOIN incident_links l ON l.incident_id = i.id "
        "WHERE i.source_id LIKE 'W%%' ORDER BY 1",
    ) == [
        ("W1", "livelihood", "", None, None),
        ("W2", "livelihood", "", None, None),
        ("W3", "safety_hazard", "geological", "safety_hazard", "geological"),
    ]
    assert fetch(
        city_url, "SELECT actor FROM audit_log WHERE action = 'incidents_recategorise'"
    ) == [("测试员",), ("测试员",)]
