"""Raw rows to checked incident records: fields by the source's layout, values understood.

Column by column with pandas: times (CST when no zone is given), categories and
subcategories by name, severity, coordinates (GCJ-02 corrected to WGS84/CGCS2000),
normalised address keys, deadlines. Each row that cannot be taken gets a reason code
(`rejects.REASONS`); the placement by point or address is checked later, in PostGIS.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from geo.coords import gcj02_to_wgs84
from geo.deadlines import DeadlineRules, deadlines_for
from geo.ingest.read import RawRow
from geo.ingest.sources import IntakeRules, SourceLayout
from geo.series import mapped
from geo.settings import CHINA_TZ
from geo.vocabulary import OTHER

# Sources whose cases start at the command post at least (as geo/demo/lifecycle.py does).
STREET_FIRST = ("letters_visits", "petition", "court_case")
LEVELS = ("workstation", "command_post", "sub_center")
ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_CN_DATE = [
    ("年", "-"), ("月", "-"), ("日", " "), ("时", ":"), ("点", ":"), ("分", ":"), ("秒", ""),
]  # fmt: skip
_DOTTED = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})")
_BLANKS = re.compile(r"\s+")
TRUE_WORDS = {"是", "1", "true", "yes", "y", "有", "重大"}


def address_key(address: pd.Series) -> pd.Series:
    """Addresses normalised for matching: NFKC (full-width to half-width), no blanks."""
    return address.str.normalize("NFKC").str.replace(r"\s+", "", regex=True)


def time_text(value: str) -> str:
    """A time's text made ISO-like: Chinese date marks and slashes to ISO's, blanks collapsed."""
    value = value.strip()
    for old, new in _CN_DATE:
        value = value.replace(old, new)
    value = _DOTTED.sub(r"\1-\2-\3", value.replace("/", "-"))
    return _BLANKS.sub(" ", value).strip().rstrip(":")


def parse_times(values: pd.Series) -> pd.Series:
    """Report times as UTC: ISO-like or Chinese dates, epoch seconds or ms; CST when no zone."""
    # value by value in Python: a dozen pandas string passes cost ~0.3 ms each for any size
    plain = values.fillna("").astype(str)
    text = pd.Series([time_text(v) for v in plain], index=values.index, dtype=object)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    epoch = text.str.fullmatch(r"\d{10}|\d{13}")
    zoned = ~epoch & text.str.contains(ZONE)
    naive = ~epoch & ~zoned & (text != "")
    if epoch.any():
        digits = text[epoch].astype("int64")
        # milliseconds as integers: a float division would miss a millisecond by nanoseconds
        millis = np.where(digits > 10**11, digits, digits * 1000)
        out[epoch] = pd.to_datetime(millis, unit="ms", utc=True).as_unit("us")
    if zoned.any():
        at = pd.to_datetime(text[zoned], format="ISO8601", utc=True, errors="coerce")
        out[zoned] = _to_microseconds(at)
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        local = local.dt.tz_localize(CHINA_TZ, nonexistent="NaT", ambiguous="NaT")
        out[naive] = _to_microseconds(local.dt.tz_convert("UTC"))
    return out


def _to_microseconds(times: pd.Series) -> pd.Series:
    """Times rounded to the microsecond PostgreSQL keeps (a seventh decimal parses to ns)."""
    return times.dt.round("us").dt.as_unit("us")


def check_rows(
    rows: list[RawRow],
    source: str,
    rules: IntakeRules,
    deadline_rules: DeadlineRules,
    now: datetime,
) -> pd.DataFrame:
    """One record per row with the incident's fields and `reason` (None when it can be taken)."""
    layout = rules.layout(source)
    raw = pd.DataFrame.from_records([r.values for r in rows], index=range(len(rows)))
    present = set(raw.columns)
    # the columns built apart and made a frame once: each insert into a frame costs ~0.25 ms
    cols: dict[str, object] = {"line": [r.line for r in rows]}
    reason = pd.Series([r.problem for r in rows], index=raw.index, dtype=object)
    detail = pd.Series([r.detail for r in rows], index=raw.index, dtype=object)

    texts: dict[str, pd.Series] = {}

    def column(field: str) -> pd.Series:
        if field not in texts:
            name = layout.column_for(field, present)
            texts[field] = (
                pd.Series("", index=raw.index, dtype=object)
                if name is None
                else raw[name].fillna("").astype(str).str.strip()
            )
        return texts[field]

    def reject(mask: pd.Series, code: str, values: pd.Series | None = None) -> None:
        fresh = mask & reason.isna()
        if not fresh.any():  # the usual case: assigning through an empty mask costs ~1 ms
            return
        reason[fresh] = code
        if values is not None:
            detail[fresh] = values[fresh]

    own = column("source")
    cols["source"] = mapped(own, rules.source_names).where(own != "", source)
    reject(cols["source"].isna(), "unknown_source", own)
    cols["source_id"] = column("source_id")
    reject(cols["source_id"] == "", "no_source_id")

    # a label no mapping names is kept, in the catch-all category, never rejected
    category_text, sub_text = column("category"), column("subcategory")
    cols["category"], cols["subcategory"] = categorise(
        category_text, sub_text, rules.category_names
    )
    cols["source_category"], cols["source_subcategory"] = category_text, sub_text

    reported = parse_times(column("reported_at"))
    cols["reported_at"] = reported
    reject(reported.isna(), "bad_date", column("reported_at"))
    reject(reported > pd.Timestamp(now + timedelta(hours=1)), "future_date", column("reported_at"))

    severity_text = column("severity")
    severity = mapped(severity_text, rules.severity_names)
    numeric = severity_text.str.fullmatch(r"[1-4]")
    severity = severity.where(~numeric, pd.to_numeric(severity_text.where(numeric), "coerce"))
    severity = severity.where(severity_text != "", 1)
    reject(severity.isna(), "bad_severity", severity_text)
    cols["severity"] = severity.fillna(1).astype("int16")
    cols["is_major_risk"] = column("major_risk").str.lower().isin(TRUE_WORDS)

    cols["description"] = column("description")
    cols["address"] = column("address")
    cols["address_key"] = address_key(cols["address"])
    lon, lat = _coordinates(rows, column("lon"), column("lat"), layout)
    cols["lon"], cols["lat"] = lon, lat
    for field in ("reporter_name", "reporter_phone", "reporter_id_number"):
        value = column(field)
        cols[field] = value.where(value != "", None)

    cols["reason"] = reason
    cols["detail"] = detail
    frame = pd.DataFrame(cols, index=raw.index)
    takeable = frame["reason"].isna()
    kept = frame if takeable.all() else frame[takeable]
    frame["duplicate"] = (takeable & kept.duplicated(["source", "source_id"])).fillna(False)
    frame["start_level"] = _start_levels(frame)
    frame["deadline_at"] = _deadlines(frame, deadline_rules)
    return frame


def frame_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """check_rows' rows as one dict a row with Python values (None where a value is missing)."""
    records = frame.to_dict("records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, pd.Timestamp):
                record[key] = value.to_pydatetime()
            elif value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
                record[key] = None
    return records


def categorise(
    category_text: pd.Series, sub_text: pd.Series, names: dict[str, tuple[str, str]]
) -> tuple[pd.Series, pd.Series]:
    """Category and subcategory codes from a source's own labels (`other` when none maps).

    The category column's label wins over the subcategory column's; the subcategory is the
    one the subcategory column names within that category, else the one the category column
    names (a category column holding a subcategory's name, 环境卫生, names both).
    """
    to_category = {name: code for name, (code, _) in names.items()}
    to_sub = {name: sub for name, (_, sub) in names.items()}
    by_category = mapped(category_text, to_category)
    by_sub = mapped(sub_text, to_category)
    category = by_category.fillna(by_sub).fillna(OTHER).astype(object)
    own_sub = mapped(sub_text, to_sub).where(by_sub == category).fillna("")
    named_sub = mapped(category_text, to_sub).where(by_category == category).fillna("")
    return category, own_sub.where(own_sub != "", named_sub).astype(object)


def _coordinates(
    rows: list[RawRow], lon_text: pd.Series, lat_text: pd.Series, layout: SourceLayout
) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 coordinates (NaN when missing or unreadable); a GeoJSON point wins."""
    lon = pd.to_numeric(lon_text, errors="coerce").to_numpy(dtype=float, copy=True)
    lat = pd.to_numeric(lat_text, errors="coerce").to_numpy(dtype=float, copy=True)
    return placed_points(rows, lon, lat, layout)


def placed_points(
    rows: list[RawRow], lon: np.ndarray, lat: np.ndarray, layout: SourceLayout
) -> tuple[np.ndarray, np.ndarray]:
    """The rows' WGS84 points from their read coordinates (changed in place): a GeoJSON point
    wins, a zero or unreadable pair is NaN, a GCJ-02 source's points are corrected."""
    for i, row in enumerate(rows):
        if row.point is not None:
            lon[i], lat[i] = row.point
    missing = ~np.isfinite(lon) | ~np.isfinite(lat) | ((lon == 0) & (lat == 0))
    lon[missing] = lat[missing] = np.nan
    if layout.coords == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
    return lon, lat


def _start_levels(frame: pd.DataFrame) -> np.ndarray:
    """Where a case starts: 小事不出村、大事不出镇、难事不出县 (rank 0 workstation … 2)."""
    severity = frame["severity"].to_numpy()
    rank = np.where((severity >= 4) | frame["is_major_risk"].to_numpy(), 2, (severity == 3) * 1)
    rank = np.where(frame["source"].isin(STREET_FIRST).to_numpy(), np.maximum(rank, 1), rank)
    return rank.astype(np.int16)


def _deadlines(frame: pd.DataFrame, rules: DeadlineRules) -> pd.Series:
    """Each takeable row's deadline (NaT for rejected rows)."""
    ok = frame["reason"].isna()
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    if ok.any():
        part = frame if ok.all() else frame[ok]
        out[ok] = deadlines_for(
            part["category"], part["severity"], part["reported_at"], part["source"], rules
        )
    return out
