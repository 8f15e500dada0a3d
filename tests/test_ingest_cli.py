"""`minqing incidents import` from the shell: summary, rejects file, exit codes, no traceback."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid

import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.settings import get_settings
from tests.ingest_fixtures import (
    csv_bytes,
    fetch,
    geojson_bytes,
    grid_points,
    hotline_row,
    ingest_database,
    jsonl_bytes,
    table_checksums,
)

pytestmark = pytest.mark.db


@pytest.fixture(scope="session")
def ingest_db(scratch) -> str:
    """A small seeded demo these tests may write to."""
    return ingest_database(scratch)


def _minqing(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "incidents", "import", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_gbk_file_with_bad_rows_rejects_file_and_rerun(ingest_db, tmp_path):
    point = grid_points(ingest_db, 1)[0]
    tag = uuid.uuid4().hex[:8]
    rows = [
        hotline_row(f"{tag}-1", point, 诉求地址="城关区张掖路街道"),
        hotline_row(f"{tag}-2", point, 来电时间="2021年3月1日 25时"),
        hotline_row(f"{tag}-3", None, 诉求地址="查无此地"),
    ]
    path = tmp_path / "12345工单.csv"
    path.write_bytes(csv_bytes(rows, "gbk"))
    rejects = tmp_path / "rejects.csv"
    before = table_checksums(ingest_db)
    refused = _minqing(ingest_db, str(path), "--source", "hotline_12345")
    assert refused.returncode == 1 and table_checksums(ingest_db) == before  # all or nothing
    assert "nothing stored: 2 rows rejected, the first at line 3 (时间无法识别" in refused.stderr
    result = _minqing(ingest_db, str(path), "--source", "hotline_12345", "--rejects", str(rejects),
                      "--partial")  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "(csv, GB18030)" in result.stdout
    assert "taken 1, duplicates 0, linked 0, rejected 2" in result.stdout
    with rejects.open(encoding="utf-8-sig", newline="") as f:
        listed = list(csv.DictReader(f))
    assert [(r["行号"], r["原因代码"], r["工单编号"]) for r in listed] == [
        ("3", "bad_date", f"{tag}-2"), ("4", "no_location", f"{tag}-3"),
    ]  # fmt: skip
    assert listed[0]["原因"].startswith("时间无法识别") and listed[1]["诉求地址"] == "查无此地"
    before = table_checksums(ingest_db)
    again = _minqing(ingest_db, str(path), "--source", "hotline_12345", "--exit-zero")
    assert again.returncode == 0 and "taken 0, duplicates 1" in again.stdout
    assert "line 3: 时间无法识别" in again.stdout
    assert table_checksums(ingest_db) == before
    stored = fetch(ingest_db, "SELECT address FROM incidents WHERE source_id = %s", (f"{tag}-1",))
    assert stored == [("城关区张掖路街道",)]


def _broken_second_record(fmt: str, rows: list[dict[str, str]]) -> tuple[bytes, str]:
    """An export of three rows whose second record cannot be read, and where it is."""
    if fmt == "csv":
        rows[1]["诉求内容"] = '"暖气不热'  # csv_bytes quotes it: make the quote unpaired instead
        return csv_bytes(rows).replace('"""暖气不热"'.encode(), '"暖气不热'.encode()), "line 3"
    if fmt == "jsonl":
        return jsonl_bytes(rows[:1]) + b'{"broken": \n' + jsonl_bytes(rows[2:]), "line 2"
    collection = json.loads(geojson_bytes(rows))
    collection["features"][1] = "not a feature"
    return json.dumps(collection).encode(), "feature 2"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "geojson"])
def test_one_broken_record_stores_nothing_in_any_format_and_names_its_place(
    ingest_db, tmp_path, monkeypatch, fmt
):
    point = grid_points(ingest_db, 1)[0]
    tag = uuid.uuid4().hex[:8]
    data, where = _broken_second_record(fmt, [hotline_row(f"{tag}-{i}", point) for i in range(3)])
    path = tmp_path / f"12345.{fmt}"
    path.write_bytes(data)
    before = table_checksums(ingest_db)
    monkeypatch.setenv("DATABASE_URL", ingest_db)
    get_settings.cache_clear()
    try:  # in this process: the CLI's own rule, without starting Python three more times
        result = CliRunner().invoke(main, ["incidents", "import", str(path), "--source",
                                           "hotline_12345"])  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert f"rows rejected, the first at {where} (记录格式错误" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert table_checksums(ingest_db) == before


def test_dry_run_stores_nothing(ingest_db, tmp_path):
    point = grid_points(ingest_db, 1)[0]
    path = tmp_path / "a.jsonl"
    record = {"工单编号": uuid.uuid4().hex, "来电时间": "2021-03-02 08:00", "诉求类型": "安全隐患",
              "经度": point.lon, "纬度": point.lat}  # fmt: skip
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    before = table_checksums(ingest_db)
    result = _minqing(ingest_db, str(path), "--source", "hotline_12345", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "taken 1" in result.stdout and "dry run, nothing stored" in result.stdout
    assert table_checksums(ingest_db) == before


@pytest.mark.parametrize(
    ("name", "data", "args", "said"),
    [
        ("x.csv", b"\x00\x01PK binary", ("--source", "hotline_12345"), "not a text file"),
        ("x.geojson", b'{"type": "FeatureCollection", "feat', ("--source", "police_110"),
         "not readable GeoJSON"),
        ("x.csv", "编号,时间\n1,2\n".encode(), ("--source", "hotline_12345"),
         "no column for source_id"),
        ("x.csv", "工单编号\n1\n".encode(), ("--source", "weibo"), "unknown source 'weibo'"),
        ("x.xlsx", b"PK", ("--source", "hotline_12345"), "unknown file type"),
        ("missing.csv", None, ("--source", "hotline_12345"), "cannot read"),
    ],
)  # fmt: skip
def test_an_unreadable_file_is_one_line_exit_1_and_nothing_stored(
    ingest_db, tmp_path, name, data, args, said
):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    before = table_checksums(ingest_db)
    result = _minqing(ingest_db, str(path), *args)
    assert result.returncode == 1
    assert said in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert table_checksums(ingest_db) == before
