"""The row-by-row checks of a few rows equal check_rows' on awkward values, or step aside."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from geo.deadlines import default_rules
from geo.ingest.read import RawRow
from geo.ingest.records import check_rows, frame_records
from geo.ingest.rowcheck import check_few
from geo.ingest.sources import load_rules
from geo.ingest.store import few_rows_json

NOW = datetime(2026, 11, 29, tzinfo=UTC)
RULES = load_rules()
BLANKS = ["", " ", "\t", "\u3000", "\xa0", "\n", "\x1c", "\u2028"]  # and "\ufeff", not one

# Values read row by row: the group is never handed to check_rows for them.
READ = {
    "reported_at": [
        "2021-03-01 10:00:00", "2021/3/1 10:00", "2021年3月1日 10时00分", "2021.03.01 10:00",
        " 2021年3月1日 10时00分00秒 ", "2021年3月1日10点", "2021-03-01T10:00:00+08:00",
        "2021-03-01T02:00:00Z", "1614564000", "1614564000000", "2021-02-30 10:00", "2021-13-01",
        "2021-03-01 24:00", "2021-03-01 10:00:60", "2021-03-01 10:60", "2021-3-1T10:00Z",
        "2021-03-01 10:00:00+0800", "2021-03-01 10:00:00-08:00", "2021-03-01 10:00:00.5Z",
        "2021-03-01 10:00:00.123456", "2021-03-01 10:00:00.", "2021-03-01T10Z",
        "2021-03-01T10", "2021-3-1", "2021-03-1 9:00", "2021-03-01 10:5", "2021-03-01 10:00:5",
        "2030-01-01 10:00", "2026-11-29 08:30", "2026-11-29 09:00", "2026-11-29 09:00:01",
        "2021-03-01T10:00:00+14:00", "2021-03-01T10:00:00-00:00", "2020-02-29 10:00",
        "2021-00-10", "2021-01-00", "2021/3/1\t10:00:", "2021-03-01 10:00::", "1992-01-01 00:00",
        "2199-12-31 23:59", "2021-03-01T10:00:00.000001+05:45", "2021-03-01 10:00:00-0330",
    ] + BLANKS,
    "source_id": ["A1", " A1 ", "A2", "a1", "nan", "None", "NaN", "\u3000A3\xa0", "\ufeff"]
    + BLANKS,
    "category": [
        "dispute", "纠纷", "噪声扰民", "天气", "其他", "livelihood", "Livelihood", "消防",
        "环境卫生", "民生诉求", "其他问题", "治安案件", "供暖",
    ] + BLANKS,
    "subcategory": ["噪声扰民", "供暖", "火灾", "乱七八糟", "noise", "劳资纠纷", "天气"] + BLANKS,
    "severity": ["1", "4", "5", "0", "一般", "特急", "非常急", " 3 ", "１", "2.0", "重大"] + BLANKS,
    "major_risk": ["是", "否", "TRUE", "Yes", "y", "重大", "İ", "1", "0", "有", "无"] + BLANKS,
    "description": ["噪音\n扰民", " x ", "=1+1", "\x00", "\ufeff"] + BLANKS,
    "address": ["城关区 皋兰路\u3000１号", "\t东岗西路\x1c", "ＡＢＣ１２３", "a\u2028b", "\ufeffx"]
    + BLANKS,
    "lon": ["103.83", "103.83012345678901234", "0", "+0", "+103.8", ".5", "5.", "116.4", "103"]
    + BLANKS,
    "lat": ["36.06", "36.0600000000000001", "0", "0.0", "+36", "36.", ".06", "39.9"] + BLANKS,
    "reporter_name": ["张三", " 李四 "] + BLANKS,
    "reporter_phone": ["13800000000", "+86 138"] + BLANKS,
    "source": ["12345", "卫星", "hotline_12345", "police_110", "信访", "来信来访", "12345热线"]
    + BLANKS,
}  # fmt: skip
# Values whose reading only check_rows does: a group holding one is checked by it.
CHECK_ROWS_ONLY = {
    "reported_at": [
        "2021-03-01 10:00 +08:00", "昨天", "1614564000123", "１６１４５６４０００", "\ufeff",
        "1986-05-04 02:30",
        "2021-03-01T10:00:00+08", "2021-03-01 10:00:00,5", "2021", "20210301", "2021-03-01Z",
        "2021-03-01 10:00:00.1234567", "9999999999", "0000000000", "1991-09-15 01:30",
        "2300-01-01 10:00", "2021-03-01T10:00:00+15:00", "2021-03-01t10:00", "２０２１-03-01 10:00",
    ],
    "lon": [
        "1e2", "inf", "NaN", "abc", "１０３", "103,8", "1_03", "\ufeff", "-0", "-0.0",
        "1234567890123456",
    ],
}  # fmt: skip
CANONICAL = {field: field for field in READ}
HOTLINE = {
    "source_id": "工单编号", "reported_at": "来电时间", "category": "诉求类型",
    "subcategory": "诉求小类", "severity": "紧急程度", "description": "诉求内容",
    "address": "诉求地址", "lon": "经度", "lat": "纬度", "reporter_name": "来电人",
    "reporter_phone": "联系电话", "source": "来源渠道",
}  # fmt: skip
GOOD = {
    "source_id": "G1", "reported_at": "2021-03-01 10:00:00", "category": "纠纷",
    "lon": "103.83", "lat": "36.06",
}  # fmt: skip


def _row(line: int, fields: dict[str, str], names: dict[str, str], **extra) -> RawRow:
    return RawRow(line, {names.get(f, f): v for f, v in fields.items()}, **extra)


def _assert_same(rows: list[RawRow], source: str) -> list[dict]:
    """check_few reads the rows and its records equal check_rows' (values and types)."""
    ours = check_few(rows, source, RULES, default_rules(), NOW)
    assert ours is not None, [r.values for r in rows]
    theirs = frame_records(check_rows(rows, source, RULES, default_rules(), NOW))
    assert len(ours) == len(theirs)
    for mine, reference, row in zip(ours, theirs, rows, strict=True):
        assert mine.keys() == reference.keys()
        for key, value in reference.items():
            got = mine[key]
            said = (key, row.values, got, value)
            assert type(got) is type(value), said
            assert got == value or repr(got) == repr(value), said
            if isinstance(value, float):
                assert repr(got) == repr(value), said
            if isinstance(value, datetime):
                assert got.utcoffset() == value.utcoffset() == UTC.utcoffset(None), said
    taken = [r for r in ours if r["reason"] is None]
    reference_taken = [r for r in theirs if r["reason"] is None]
    for record in taken + reference_taken:
        record["outcome"] = "duplicate" if record["duplicate"] else None
    assert few_rows_json(taken) == few_rows_json(reference_taken)
    return ours


@pytest.mark.parametrize("field", sorted(READ))
def test_each_awkward_value_is_read_as_check_rows_reads_it(field):
    """Every value of the table in a report otherwise good, alone and all in one group."""
    names = CANONICAL if field in ("source",) else HOTLINE
    rows = [_row(i + 1, {**GOOD, field: value}, names) for i, value in enumerate(READ[field])]
    for row in rows:
        _assert_same([row], "hotline_12345")
    _assert_same(rows, "hotline_12345")


def test_every_reason_and_the_good_rows_between_them():
    """Each rejection reason once, files' own problems kept, duplicates after a first."""
    fields = [
        GOOD,
        {**GOOD, "source": "卫星"},
        {**GOOD, "source_id": ""},
        {**GOOD, "reported_at": "2021-02-30 10:00"},
        {**GOOD, "reported_at": "2031-01-01 10:00"},
        {**GOOD, "severity": "非常急"},
        {**GOOD, "category": "天气", "subcategory": "怪事", "source_id": "G7"},
        GOOD,
        {**GOOD, "source": "police_110"},
        {**GOOD, "lon": "", "lat": "", "address": "城关区 皋兰路１号"},
    ]
    rows = [_row(i + 1, f, CANONICAL) for i, f in enumerate(fields)]
    rows.append(RawRow(11, {}, problem="bad_record", detail="引号未闭合"))
    rows.append(RawRow(12, {"source_id": "E1", "reported_at": "2021-3-1"}, problem="encoding"))
    ours = _assert_same(rows, "hotline_12345")
    assert [r["reason"] for r in ours] == [
        None, "unknown_source", "no_source_id", "bad_date", "future_date", "bad_severity", None,
        None, None, None, "bad_record", "encoding",
    ]  # fmt: skip
    assert [r["duplicate"] for r in ours[:10]] == [False] * 7 + [True, False, True]
    assert ours[6]["category"] == "other" and ours[6]["source_category"] == "天气"
    assert ours[1]["detail"] == "卫星" and ours[10]["detail"] == "引号未闭合"


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("hotline_12345", HOTLINE),
        ("hotline_12345", CANONICAL),
        ("mini_program", CANONICAL),  # GCJ-02, corrected on the same arrays
        ("letters_visits", {**CANONICAL, "major_risk": "是否重大风险"}),  # starts at the post
        ("court_case", CANONICAL),
    ],
)
def test_random_groups_of_awkward_values_are_read_alike(source, names):
    """Groups of 1-40 reports mixing the table's values field by field, some with a GeoJSON
    point, some in the other layout's names (a group's columns are those of all its rows)."""
    rng = random.Random(f"{source}-{len(names)}")
    for _ in range(60):
        rows = []
        for line in range(1, rng.randint(1, 40) + 1):
            fields = {f: rng.choice(values) for f, values in READ.items() if rng.random() < 0.85}
            point = (rng.uniform(103, 104), rng.uniform(35.5, 36.5)) if rng.random() < 0.2 else None
            row_names = names if rng.random() < 0.9 else CANONICAL
            rows.append(_row(line, fields, row_names, point=point))
        _assert_same(rows, source)


@pytest.mark.parametrize("field", sorted(CHECK_ROWS_ONLY))
def test_a_value_only_check_rows_reads_hands_the_group_to_it(field):
    """One such value among good reports: the whole group goes to check_rows (no answer here)."""
    for value in CHECK_ROWS_ONLY[field]:
        rows = [_row(1, GOOD, CANONICAL), _row(2, {**GOOD, field: value}, CANONICAL)]
        assert check_few(rows, "hotline_12345", RULES, default_rules(), NOW) is None, value
    naive = datetime(2026, 11, 29)
    good = [_row(1, GOOD, CANONICAL)]
    assert check_few(good, "hotline_12345", RULES, default_rules(), naive) is None
    numbers = RawRow(1, {**GOOD, "severity": 3})  # not text: pandas would type the column
    assert check_few([numbers], "hotline_12345", RULES, default_rules(), NOW) is None


def test_coordinates_as_pandas_reads_them():
    """Decimal texts of every length read to the very same floats (the points stored)."""
    rng = random.Random(5)
    values = []
    for _ in range(3000):
        x = rng.uniform(73, 135)
        values += [repr(x), f"{x:.{rng.randint(0, 20)}f}", f"{-x:.3f}", f"{rng.uniform(18, 54)!r}"]
    rows = [
        _row(i + 1, {**GOOD, "source_id": f"N{i}", "lon": v, "lat": values[-1 - i]}, CANONICAL)
        for i, v in enumerate(values[:200])
    ]
    _assert_same(rows, "hotline_12345")
    for start in range(200, len(values), 200):
        chunk = values[start : start + 200]
        rows = [
            _row(i + 1, {**GOOD, "lon": v, "lat": "36.06"}, CANONICAL) for i, v in enumerate(chunk)
        ]
        _assert_same(rows, "hotline_12345")


def _mutations(rng: random.Random, text: str) -> str:
    """The text with a character inserted, dropped or replaced (a time-like alphabet)."""
    alphabet = "0123456789-:/. TZ+年月日时分秒点"
    at = rng.randrange(len(text) + 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:at] + rng.choice(alphabet) + text[at:]
    if kind == 1:
        return text[:at] + text[at + 1 :]
    return text[:at] + rng.choice(alphabet) + text[at + 1 :]


def test_times_near_the_read_forms_are_read_alike_or_handed_over():
    """Thousands of times one to three edits away from the table's: each one read here is read
    as check_rows reads it (in groups of 100)."""
    rng = random.Random(16)
    readable = []
    for _ in range(4000):
        text = rng.choice(READ["reported_at"][:42])
        for _ in range(rng.randint(1, 3)):
            text = _mutations(rng, text)
        row = _row(1, {**GOOD, "reported_at": text}, CANONICAL)
        if check_few([row], "hotline_12345", RULES, default_rules(), NOW) is not None:
            readable.append(text)
    assert len(readable) > 500
    for start in range(0, len(readable), 100):
        chunk = readable[start : start + 100]
        rows = [
            _row(i + 1, {**GOOD, "source_id": f"T{i}", "reported_at": v}, CANONICAL)
            for i, v in enumerate(chunk)
        ]
        _assert_same(rows, "hotline_12345")
