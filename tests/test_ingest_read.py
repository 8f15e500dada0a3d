"""Reading exports: formats, encodings, unreadable files, times, coordinates, column mapping."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from geo.coords import gcj02_to_wgs84, wgs84_to_gcj02
from geo.deadlines import default_rules
from geo.errors import ConfigError, DataError
from geo.ingest import records
from geo.ingest.read import read_bytes, read_file
from geo.ingest.records import categorise, check_rows, parse_times
from geo.ingest.sources import load_rules
from tests.ingest_fixtures import GridPoint, csv_bytes, geojson_bytes, hotline_row, jsonl_bytes

POINT = GridPoint("g", "c", "s", "d", 103.83, 36.06)
NOW = datetime(2026, 11, 29, tzinfo=UTC)


def test_csv_utf8_and_tabs():
    rows = [hotline_row("A1", POINT), hotline_row("A2", POINT, 诉求内容="噪音，扰民")]
    read = read_bytes(csv_bytes(rows), "csv")
    assert (read.format, read.encoding) == ("csv", "UTF-8")
    assert [r.values["工单编号"] for r in read.rows] == ["A1", "A2"]
    assert read.rows[1].values["诉求内容"] == "噪音，扰民" and read.rows[1].line == 3
    tabbed = "工单编号\t来电时间\nT1\t2021-03-01 10:00\n".encode()
    assert read_bytes(tabbed, "csv").rows[0].values == {
        "工单编号": "T1",
        "来电时间": "2021-03-01 10:00",
    }


def test_gbk_file_is_detected_and_read_right():
    rows = [hotline_row("G1", POINT, 诉求内容="楼道堆放杂物", 诉求地址="城关区皋兰路街道")]
    read = read_bytes(csv_bytes(rows, "gbk"), "csv")
    assert read.encoding == "GB18030"
    assert read.rows[0].values["诉求地址"] == "城关区皋兰路街道" and read.rows[0].problem is None


def test_wrong_encoding_flags_the_broken_rows_only():
    """A GBK line inside a UTF-8 file: that row is rejected for its encoding, the rest read."""
    good = csv_bytes([hotline_row("U1", POINT, 诉求内容="路灯不亮")])
    bad = csv_bytes([hotline_row("U2", POINT, 诉求内容="路灯不亮")], "gbk").split(b"\r\n", 1)[1]
    read = read_bytes(good + bad, "csv")
    assert read.encoding == "UTF-8"
    assert [(r.values["工单编号"], r.problem) for r in read.rows] == [
        ("U1", None),
        ("U2", "encoding"),
    ]
    forced = read_bytes(csv_bytes([hotline_row("U3", POINT)], "gbk"), "csv", encoding="UTF-8")
    assert all(r.problem == "encoding" for r in forced.rows) or "工单编号" not in forced.columns


def test_json_lines_array_and_broken_lines():
    rows = [hotline_row("J1", POINT), hotline_row("J2", POINT)]
    data = jsonl_bytes(rows[:1]) + b"{broken\n" + jsonl_bytes(rows[1:]) + b"\n[1, 2]\n"
    read = read_bytes(data, "jsonl")
    assert [(r.line, r.problem) for r in read.rows] == [(1, None), (2, "bad_record"), (3, None),
                                                         (5, "bad_record")]  # fmt: skip
    array = read_bytes(b"[" + jsonl_bytes(rows).replace(b"\n", b",").rstrip(b",") + b"]", "json")
    assert array.format == "jsonl" and len(array.rows) == 2


def test_geojson_points_come_from_the_geometry(tmp_path):
    rows = [hotline_row("P1", POINT), hotline_row("P2", None)]
    path = tmp_path / "110.geojson"
    path.write_bytes(geojson_bytes(rows))
    read = read_file(path)
    assert read.format == "geojson"
    assert read.rows[0].point == (POINT.lon, POINT.lat) and read.rows[1].point is None
    assert "经度" not in read.rows[0].values


@pytest.mark.parametrize(
    ("data", "fmt", "said"),
    [
        (b"", "csv", "empty"),
        (b"PK\x03\x04\x00\x00binary", "csv", "not a text file"),
        (b'{"type": "FeatureCollection", "features": [', "geojson", "not readable GeoJSON"),
        (b'{"type": "Feature"}', "geojson", "not a GeoJSON FeatureCollection"),
        (b"not json at all\nnor this\n", "jsonl", "not JSON lines"),
        (b"\n,\n", "csv", "no header"),
    ],
)
def test_unreadable_files_are_one_clear_error(data, fmt, said):
    with pytest.raises(DataError, match=said):
        read_bytes(data, fmt)


def test_unknown_extension_and_missing_file(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"x")
    with pytest.raises(DataError, match="unknown file type"):
        read_file(tmp_path / "x.xlsx")
    with pytest.raises(DataError, match="cannot read"):
        read_file(tmp_path / "missing.csv")


def test_times_are_cst_unless_a_zone_is_given():
    values = pd.Series([
        "2021-03-01 10:00:00", "2021/3/1 10:00", "2021年3月1日 10时00分", "2021.03.01 10:00",
        "2021-03-01T10:00:00+08:00", "2021-03-01T02:00:00Z", "1614564000", "1614564000000",
        "2021-02-30 10:00", "昨天", "",
    ])  # fmt: skip
    parsed = parse_times(values)
    expected = pd.Timestamp("2021-03-01 02:00:00", tz="UTC")
    assert (parsed[:8] == expected).all()
    assert parsed[8:].isna().all()


def _pandas_time_text(values: pd.Series) -> pd.Series:
    """The time texts as the intake made them with pandas string methods before 2026-12-04."""
    text = values.fillna("").astype(str).str.strip()
    for old, new in [("年", "-"), ("月", "-"), ("日", " "), ("时", ":"), ("点", ":"),
                     ("分", ":"), ("秒", "")]:  # fmt: skip
        text = text.str.replace(old, new, regex=False)
    text = text.str.replace("/", "-", regex=False)
    text = text.str.replace(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})", r"\1-\2-\3", regex=True)
    return text.str.replace(r"\s+", " ", regex=True).str.strip().str.rstrip(":")


def test_time_texts_value_by_value_equal_the_pandas_string_methods():
    """Awkward values (blanks of every kind, None, NaN, numbers, marks twice) give the texts
    and the times the column-wise pandas passes gave."""
    values = pd.Series([
        " 2021年3月1日 10时00分00秒 ", "2021年3月1日10点", "2021.3.1 10:00", "2021.03.01.5",
        "x2021.3.1", "2021/3/1\t10:00:", "2021-03-01\u3000 10:00", "\xa02021-03-01 10:00\n",
        "2021-03-01 10:00::", "1614564000", 1614564000, 1614564000.0, None, float("nan"), "",
        "   ", "年月日", "2021-03-01T10:00:00+08:00", "2021-03-01T02:00Z ", "2021年3月1日 10:00 时",
    ], index=range(5, 25), dtype=object)  # fmt: skip
    reference = _pandas_time_text(values)
    ours = pd.Series([records.time_text(v) for v in values.fillna("").astype(str)],
                     index=values.index, dtype=object)  # fmt: skip
    assert ours.tolist() == reference.tolist()
    parsed = parse_times(values)
    assert list(parsed.index) == list(values.index)
    assert parsed.notna().sum() == 12  # all but the bad dotted dates, 1614564000.0 and blanks


def test_gcj02_sources_are_corrected_to_wgs84():
    """A mini-program point is GCJ-02; it is stored on WGS84 / CGCS2000."""
    gx, gy = wgs84_to_gcj02(103.83, 36.06)
    rows = read_bytes(
        csv_bytes([{"订单号": "M1", "提交时间": "2021-03-01 10:00", "问题类型": "环境卫生",
                    "经度": f"{gx:.9f}", "纬度": f"{gy:.9f}"}]), "csv",
    ).rows  # fmt: skip
    frame = check_rows(rows, "mini_program", load_rules(), default_rules(), NOW)
    assert frame["reason"].isna().all()
    assert np.isclose(frame["lon"][0], 103.83, atol=1e-7) and np.isclose(frame["lat"][0], 36.06)
    assert frame["category"][0] == "livelihood" and frame["subcategory"][0] == "sanitation"
    assert np.isclose(gcj02_to_wgs84(gx, gy)[0], frame["lon"][0])


def test_row_reasons_from_the_values():
    rows = read_bytes(
        csv_bytes([
            hotline_row("R1", POINT),
            hotline_row("R2", POINT, 来电时间="2021-13-01"),
            hotline_row("R3", POINT, 来电时间="2030-01-01 10:00"),
            hotline_row("R4", POINT, 诉求类型="天气", 诉求小类=""),
            hotline_row("", POINT),
            hotline_row("R6", POINT, 紧急程度="非常非常急"),
            hotline_row("R7", POINT, 来源渠道="卫星"),
            hotline_row("R1", POINT),
            hotline_row("R9", POINT, 诉求类型="", 诉求小类="噪声扰民", 紧急程度="特急"),
        ]), "csv",
    ).rows  # fmt: skip
    frame = check_rows(rows, "hotline_12345", load_rules(), default_rules(), NOW)
    assert frame["reason"].fillna("").tolist() == [
        "", "bad_date", "future_date", "", "no_source_id", "bad_severity", "unknown_source", "",
        "",
    ]  # fmt: skip
    assert frame.loc[3, ["category", "subcategory", "source_category"]].tolist() == [
        "other", "", "天气",
    ]  # fmt: skip
    assert frame["duplicate"].tolist() == [False] * 7 + [True, False]
    assert frame.loc[8, ["category", "subcategory", "severity"]].tolist() == [
        "livelihood", "noise", 4,
    ]  # fmt: skip
    assert frame.loc[8, "start_level"] == 2 and frame.loc[0, "start_level"] == 0


def test_mapping_override_and_unknown_source(tmp_path):
    override = tmp_path / "m.toml"
    override.write_text('[sources.hotline_12345.columns]\nsource_id = ["单号"]\n', "utf-8")
    rules = load_rules(override)
    assert rules.layout("hotline_12345").columns["source_id"] == ("单号",)
    assert rules.layout("hotline_12345").columns["reported_at"] == ("来电时间", "受理时间")
    with pytest.raises(ConfigError, match="unknown source"):
        rules.layout("weibo")
    override.write_text('[sources.weibo]\ncoords = "wgs84"\n', "utf-8")
    with pytest.raises(ConfigError, match="not a known source"):
        load_rules(override)


def _hotline_lines(n: int) -> list[str]:
    """A 12345 export of n rows without any quote, as its physical lines (header first)."""
    text = csv_bytes([hotline_row(f"Q{i}", POINT) for i in range(1, n + 1)]).decode()
    return text.splitlines(keepends=True)


@pytest.mark.parametrize(
    ("rows", "broken", "later_quote", "said"),
    [
        (40, 20, False, "一直读到文件末尾"),  # the quote runs to the end of the file
        (5000, 1000, False, "仍未结束"),  # … past the csv module's field size limit
        (40, 20, True, "读到第 26 行的下一个引号"),  # … to the next quoted cell
    ],
)
def test_an_unterminated_quote_rejects_its_own_row_at_its_line_and_the_rest_are_read(
    rows, broken, later_quote, said
):
    lines = _hotline_lines(rows)
    lines[broken] = lines[broken].replace("暖气不热", '"暖气不热')  # row `broken` is on that line
    if later_quote:
        lines[broken + 5] = lines[broken + 5].replace("暖气不热", '"暖气""不热"')
    read = read_bytes("".join(lines).encode(), "csv")
    assert len(read.rows) == rows
    bad = [r for r in read.rows if r.problem]
    assert [(r.line, r.problem) for r in bad] == [(broken + 1, "bad_record")]
    assert said in bad[0].detail and f"第 {broken + 1} 行" in bad[0].detail
    good = [(r.line, r.values["工单编号"]) for r in read.rows if not r.problem]
    assert good == [(i + 1, f"Q{i}") for i in range(1, rows + 1) if i != broken]
    if later_quote:
        assert read.rows[broken + 4].values["诉求内容"] == '暖气"不热'


def test_a_record_over_several_lines_is_numbered_by_the_line_it_starts_on():
    lines = _hotline_lines(3)
    lines[1] = lines[1].replace("暖气不热", '"暖气不热\r\n三楼\r\n东户"')
    read = read_bytes("".join(lines).encode(), "csv")
    assert [(r.line, r.problem) for r in read.rows] == [(2, None), (5, None), (6, None)]
    assert read.rows[0].values["诉求内容"] == "暖气不热\r\n三楼\r\n东户"


def test_json_lines_are_numbered_by_physical_line_and_a_broken_one_says_why():
    rows = [hotline_row("J1", POINT, 诉求内容="第一段\u2028第二段"), hotline_row("J2", POINT)]
    data = jsonl_bytes(rows[:1]) + b'{"a": 1,\n' + jsonl_bytes(rows[1:])
    read = read_bytes(data, "jsonl")
    assert [(r.line, r.problem) for r in read.rows] == [(1, None), (2, "bad_record"), (3, None)]
    assert read.rows[0].values["诉求内容"] == "第一段\u2028第二段"
    assert "不是有效的 JSON" in read.rows[1].detail


@pytest.mark.parametrize(
    ("label", "sublabel", "category", "subcategory"),
    [
        ("噪音扰民", "", "livelihood", "noise"),  # the 12345 hotline's commonest ones
        ("交通出行", "", "livelihood", "transport"),
        ("城乡建设", "违法建设", "livelihood", "urban_management"),
        ("民生诉求", "供暖", "livelihood", "heating"),
        ("环境卫生", "", "livelihood", "sanitation"),  # a subcategory's name names both
        ("", "噪声扰民", "livelihood", "noise"),
        ("刑事类警情", "", "public_order", "criminal"),  # the 110 police's classes
        ("治安类警情", "盗窃", "public_order", "theft"),
        ("交通事故", "", "safety_hazard", "road_traffic"),
        ("群众求助", "", "livelihood", "help"),
        ("纠纷类警情", "家庭纠纷", "dispute", "family"),
        ("火灾", "", "safety_hazard", "fire"),
        ("天气", "", "other", ""),  # no mapping: the catch-all, the label kept beside it
        ("天气", "供暖", "livelihood", "heating"),
        ("其他警情", "", "other", ""),
        ("", "", "other", ""),
    ],
)
def test_the_sources_categories_map_and_the_rest_is_other(label, sublabel, category, subcategory):
    got = categorise(pd.Series([label]), pd.Series([sublabel]), load_rules().category_names)
    assert (got[0][0], got[1][0]) == (category, subcategory)


def test_a_mapping_names_a_category_and_subcategory_and_is_checked(tmp_path):
    override = tmp_path / "m.toml"
    override.write_text('[category_names]\n"天气" = "safety_hazard/geological"\n', "utf-8")
    names = load_rules(override).category_names
    assert names["天气"] == ("safety_hazard", "geological")
    override.write_text('[category_names]\n"天气" = "livelihood/weather"\n', "utf-8")
    with pytest.raises(ConfigError, match="unknown subcategory"):
        load_rules(override)


def test_text_after_a_closing_quote_on_its_own_line_is_read_as_spreadsheets_do():
    lines = _hotline_lines(2)
    lines[1] = lines[1].replace("暖气不热", '"暖气" 不热')
    read = read_bytes("".join(lines).encode(), "csv")
    assert [(r.line, r.problem) for r in read.rows] == [(2, None), (3, None)]
    assert read.rows[0].values["诉求内容"] == "暖气 不热"
