"""The intake's checks row by row for a few rows (a group of pushed reports): what
`records.check_rows` does, without pandas' fixed cost per call (~17 ms whatever the size).

`check_few` gives the rows as `records.frame_records` gives check_rows' frame: one dict a row,
the same fields, values and Python types. tests/test_ingest_rowcheck.py holds the two equal
on awkward values. Where a value could be read otherwise than check_rows reads it (a time or
number form not read here, a year outside 1992–2199, a value that is not text), `check_few`
answers None and the caller checks the rows with check_rows instead: the two never differ.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from geo.deadlines import DeadlineRules, deadline_for
from geo.ingest.read import RawRow
from geo.ingest.records import STREET_FIRST, TRUE_WORDS, ZONE, placed_points, time_text
from geo.ingest.sources import FIELDS, IntakeRules, SourceLayout
from geo.vocabulary import OTHER

_EPOCH = re.compile(r"\d{10}|\d{13}")  # check_rows' epoch test (any Unicode digit)
_ISO = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})"
    r"(?:[ T](?:(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{1,2})"
    r"(?::(?P<second>[0-9]{1,2})(?:\.(?P<fraction>[0-9]{0,6}))?)?|(?P<hour_alone>[0-9]{2}))"
    r"(?P<zone>Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SEVERITY = re.compile(r"[1-4]")
_BLANKS = re.compile(r"\s+")
# Asia/Shanghai has kept UTC+8 without summer time since 1992; earlier years had summer time
# (check_rows gives no time in its gaps and overlaps): read by check_rows, not here.
_YEARS = range(1992, 2200)
_CST = timedelta(hours=8)
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)


class _Unsure(Exception):
    """A value this module does not read the way check_rows does for certain."""


def check_few(
    rows: list[RawRow],
    source: str,
    rules: IntakeRules,
    deadline_rules: DeadlineRules,
    now: datetime,
) -> list[dict[str, Any]] | None:
    """One dict a row as `frame_records(check_rows(...))` gives; None when a value is one that
    only check_rows reads (check the rows with it then)."""
    if not rows or now.tzinfo is None:
        return None
    try:
        return _check(rows, source, rules, deadline_rules, now)
    except _Unsure:
        return None


def _check(
    rows: list[RawRow],
    source: str,
    rules: IntakeRules,
    deadline_rules: DeadlineRules,
    now: datetime,
) -> list[dict[str, Any]]:
    layout = rules.layout(source)
    present: set[str] = set()
    for row in rows:
        present.update(row.values)
    columns = {f: layout.column_for(f, present) for f in FIELDS}
    latest = now + timedelta(hours=1)
    out = []
    for row in rows:
        text = {f: _text(row.values, name) for f, name in columns.items()}
        reason, detail = row.problem, row.detail

        own = text["source"]
        row_source = rules.source_names.get(own) if own else source
        if reason is None and row_source is None:
            reason, detail = "unknown_source", own
        if reason is None and text["source_id"] == "":
            reason = "no_source_id"
        category, subcategory = _categorise(
            text["category"], text["subcategory"], rules.category_names
        )
        reported = _time(text["reported_at"])
        if reason is None and reported is None:
            reason, detail = "bad_date", text["reported_at"]
        if reason is None and reported is not None and reported > latest:
            reason, detail = "future_date", text["reported_at"]
        severity = _severity(text["severity"], rules.severity_names)
        if reason is None and severity is None:
            reason, detail = "bad_severity", text["severity"]
        address = text["address"]
        out.append({
            "line": row.line, "source": row_source, "source_id": text["source_id"],
            "category": category, "subcategory": subcategory,
            "source_category": text["category"], "source_subcategory": text["subcategory"],
            "reported_at": reported, "severity": 1 if severity is None else severity,
            "is_major_risk": text["major_risk"].lower() in TRUE_WORDS,
            "description": text["description"], "address": address,
            "address_key": _BLANKS.sub("", unicodedata.normalize("NFKC", address)),
            "lon": _number(text["lon"]), "lat": _number(text["lat"]),
            "reporter_name": text["reporter_name"] or None,
            "reporter_phone": text["reporter_phone"] or None,
            "reporter_id_number": text["reporter_id_number"] or None,
            "reason": reason, "detail": detail,
        })  # fmt: skip
    _place(out, rows, layout)
    seen: set[tuple[str, str]] = set()
    for record in out:
        key = (record["source"], record["source_id"])
        takeable = record["reason"] is None
        record["duplicate"] = takeable and key in seen
        if takeable:
            seen.add(key)
        severity = record["severity"]
        rank = 2 if severity >= 4 or record["is_major_risk"] else int(severity == 3)
        record["start_level"] = max(rank, 1) if record["source"] in STREET_FIRST else rank
        record["deadline_at"] = (
            deadline_for(
                record["category"], severity, record["reported_at"], record["source"],
                deadline_rules,
            ).astimezone(UTC)
            if takeable
            else None
        )  # fmt: skip
    return out


def _text(values: dict[str, Any], name: str | None) -> str:
    """A field's text as check_rows reads its column: '' when absent or missing, stripped."""
    if name is None:
        return ""
    value = values.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not isinstance(value, str):
        raise _Unsure  # a column of numbers: pandas types it
    return value.strip()


def _categorise(
    category_text: str, sub_text: str, names: dict[str, tuple[str, str]]
) -> tuple[str, str]:
    """`records.categorise` for one row."""
    by_category = names.get(category_text)
    by_sub = names.get(sub_text)
    category = (by_category or by_sub or (OTHER, ""))[0]
    own_sub = by_sub[1] if by_sub is not None and by_sub[0] == category else ""
    named_sub = by_category[1] if by_category is not None and by_category[0] == category else ""
    return category, own_sub or named_sub


def _time(value: str) -> datetime | None:
    """`records.parse_times` for one value (UTC; None where it gives no time)."""
    text = time_text(value)
    if text == "":
        return None
    if _EPOCH.fullmatch(text):
        if not text.isascii():
            raise _Unsure
        number = int(text)
        if number > 10**11:  # milliseconds: check_rows divides them as floats
            if number % 1000:
                raise _Unsure
            number //= 1000
        moment = _EPOCH_START + timedelta(seconds=number)
        if moment.year not in _YEARS:
            raise _Unsure
        return moment
    found = _ISO.fullmatch(text)
    if found is None:
        raise _Unsure
    part = found.groupdict()
    zone = part["zone"]
    if int(part["year"]) not in _YEARS or (zone is not None) != bool(ZONE.search(text)):
        raise _Unsure
    try:
        local = datetime(
            int(part["year"]), int(part["month"]), int(part["day"]),
            int(part["hour"] or part["hour_alone"] or 0), int(part["minute"] or 0),
            int(part["second"] or 0), int((part["fraction"] or "").ljust(6, "0")),
        )  # fmt: skip
    except ValueError:  # 2021-02-30, hour 24, second 60: check_rows gives no time either
        return None
    return (local - _offset(zone)).replace(tzinfo=UTC)


def _offset(zone: str | None) -> timedelta:
    """The UTC offset a time's zone names (CST when none)."""
    if zone is None:
        return _CST
    if zone == "Z":
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        raise _Unsure
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if zone[0] == "-" else offset


def _severity(text: str, names: dict[str, int]) -> int | None:
    """The severity check_rows reads (1 when blank; None when it cannot be read)."""
    if text == "":
        return 1
    if _SEVERITY.fullmatch(text):
        return int(text)
    return names.get(text)


def _number(text: str) -> float:
    """A coordinate as `pd.to_numeric` reads it (NaN when blank)."""
    if text == "":
        return math.nan
    if not _NUMBER.fullmatch(text):
        raise _Unsure
    number = float(text)
    # a negative zero is kept or not depending on the column's other values; an integer of
    # more digits than a float holds may be typed otherwise by pandas
    if (number == 0 and text[0] == "-") or ("." not in text and len(text) > 15):
        raise _Unsure
    return number


def _place(out: list[dict[str, Any]], rows: list[RawRow], layout: SourceLayout) -> None:
    """The rows' points through check_rows' own step (a GeoJSON point wins, GCJ-02 corrected),
    on the same arrays: None where there is none."""
    lon = np.array([r["lon"] for r in out], dtype=float)
    lat = np.array([r["lat"] for r in out], dtype=float)
    lon, lat = placed_points(rows, lon, lat, layout)
    for record, x, y in zip(out, lon.tolist(), lat.tolist(), strict=True):
        record["lon"] = None if math.isnan(x) else x
        record["lat"] = None if math.isnan(y) else y
