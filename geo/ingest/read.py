"""Reading the sources' export files: CSV, JSON lines (or a JSON array) and GeoJSON.

The text encoding is the one chosen, else UTF-8 when the bytes (or most lines that are not
plain ASCII) are valid UTF-8, else GB18030 (a superset of GBK and GB2312) when valid, else
whichever of the two leaves fewer broken characters. Bytes that are not valid in the
encoding become U+FFFD, and a row holding one is rejected for its encoding; the other rows
are read. A file that cannot be read at all (not
text, no header, broken GeoJSON) raises a DataError and nothing is stored.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.boundaries.encoding import decodes, normalise, python_codec
from geo.errors import DataError

FORMATS = ("csv", "jsonl", "geojson")
BROKEN = "\ufffd"
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".geojson": "geojson",
}


@dataclass
class RawRow:
    """One record as exported: its line (feature number in GeoJSON) and text values."""

    line: int
    values: dict[str, str]
    point: tuple[float, float] | None = None
    problem: str | None = None  # "encoding" or "bad_record" when it cannot be taken as it is
    detail: str = ""  # what is wrong with it, for people


@dataclass
class ReadFile:
    """The rows of a file, its format, the encoding it was read with, and what a row's number
    counts: the physical `line` a record starts on (CSV, JSON lines), the `feature` of a
    GeoJSON file or the `item` of a JSON array."""

    format: str
    encoding: str
    rows: list[RawRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    unit: str = "line"


def detect_encoding(raw: bytes, chosen: str | None = None) -> str:
    """The encoding to read with: chosen, else UTF-8, else GB18030, else the less broken."""
    if chosen:
        name = normalise(chosen)
        try:
            codecs.lookup(python_codec(name))
        except LookupError:
            raise DataError(f"unknown encoding {chosen!r}") from None
        return name
    if raw.startswith(codecs.BOM_UTF8) or decodes(raw, "UTF-8"):
        return "UTF-8"
    # Mostly UTF-8 with a few foreign lines: UTF-8 (GB18030 would read every line, wrongly).
    lines = [line for line in raw.split(b"\n") if not line.isascii()]
    if sum(decodes(line, "UTF-8") for line in lines) * 2 > len(lines):
        return "UTF-8"
    if decodes(raw, "GB18030"):
        return "GB18030"
    broken = {n: raw.decode(python_codec(n), "replace").count(BROKEN) for n in ("UTF-8", "GB18030")}
    return min(broken, key=broken.__getitem__)


def read_file(path: Path, encoding: str | None = None, fmt: str | None = None) -> ReadFile:
    """Every row of an export file; a DataError when the file cannot be read at all."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    return read_bytes(raw, fmt or _format_of(path), encoding, name=path.name)


def read_bytes(raw: bytes, fmt: str, encoding: str | None = None, name: str = "file") -> ReadFile:
    """Every row of an export held in memory (e.g. an upload)."""
    if not raw.strip():
        raise DataError(f"{name} is empty")
    if b"\x00" in raw[:4096]:
        raise DataError(f"{name} is not a text file (an Excel workbook? save it as CSV UTF-8)")
    chosen = detect_encoding(raw, encoding)
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    text = body.decode(python_codec(chosen), "replace")
    if fmt == "json":
        fmt = "geojson" if _looks_like_geojson(text) else "jsonl"
    if fmt == "csv":
        read = ReadFile("csv", chosen)
        _read_csv(text, read, name)
    elif fmt == "jsonl":
        read = ReadFile("jsonl", chosen)
        _read_json_lines(text, read, name)
    elif fmt == "geojson":
        read = ReadFile("geojson", chosen, unit="feature")
        _read_geojson(text, read, name)
    else:
        raise DataError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    for row in read.rows:
        if row.problem is None and any(BROKEN in v for v in row.values.values()):
            row.problem = "encoding"
    return read


def _format_of(path: Path) -> str:
    found = _EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise DataError(
            f"{path.name}: unknown file type {path.suffix!r}; use .csv, .jsonl or .geojson"
        )
    return found


def _looks_like_geojson(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("{") and '"FeatureCollection"' in head.replace(" ", "")


def _text(value: Any) -> str:
    """A JSON value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False)


class _Lines:
    """The physical lines of a text, handed out one by one; `pos` lines have been handed out."""

    def __init__(self, text: str) -> None:
        self.lines = io.StringIO(text, newline="").readlines()
        self.pos = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _read_csv(text: str, read: ReadFile, name: str) -> None:
    """Every record with the physical line it starts on; a broken record is rejected alone.

    A record whose quotes do not pair (an unterminated quote runs on into the next lines) is
    rejected at the line where it starts, and reading resumes on the line after it, so the
    records it swallowed are read as the rows they are.
    """
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise DataError(f"{name}: the header row is not readable CSV: {exc}") from None
    if not header or not any(h.strip() for h in header):
        raise DataError(f"{name} has no header row")
    columns = [h.strip() for h in header]
    read.columns = columns
    while True:
        start = lines.pos
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            cells, broken = None, _quote_problem(str(exc), start, lines.pos)
            if lines.pos == start + 1 and "expected after" in str(exc):
                # text after a closing quote on the record's own line (`"x" ,`): read as
                # spreadsheets do, not rejected
                sloppy = csv.reader([lines.lines[start]], delimiter=delimiter)
                cells, broken = next(sloppy, []), None
                reader = csv.reader(lines, delimiter=delimiter, strict=True)
        else:
            if cells is None:
                return
            broken = None
            if lines.pos - start > 1 and len(cells) != len(columns):
                # a quoted field that never closed swallowed the next lines
                broken = f"引号未闭合，记录从第 {start + 1} 行读到第 {lines.pos} 行"
        if broken is not None:
            read.rows.append(RawRow(start + 1, {}, problem="bad_record", detail=broken))
            lines.pos = start + 1
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            continue
        if not any(c.strip() for c in cells):
            continue
        values = {c: v.strip() for c, v in zip(columns, cells, strict=False) if c}
        if len(cells) > len(columns):
            detail = f"有 {len(cells)} 个单元格，表头只有 {len(columns)} 列"
            read.rows.append(RawRow(start + 1, values, problem="bad_record", detail=detail))
        else:
            read.rows.append(RawRow(start + 1, values))


def _quote_problem(error: str, start: int, reached: int) -> str:
    """Why the csv module could not read the record starting after line `start`, in Chinese."""
    if "expected after" in error:
        return f"引号未闭合，记录从第 {start + 1} 行读到第 {reached} 行的下一个引号"
    if "field larger than field limit" in error:
        return f"引号未闭合，记录从第 {start + 1} 行读到第 {reached} 行仍未结束"
    if "unexpected end of data" in error:
        return f"引号未闭合，记录从第 {start + 1} 行一直读到文件末尾"
    return error


def _read_json_lines(text: str, read: ReadFile, name: str) -> None:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise DataError(f"{name} is not readable JSON: {exc}") from None
        if not isinstance(records, list):
            raise DataError(f"{name} is not a JSON array of objects")
        read.unit = "item"
        items = [(i + 1, r, "") for i, r in enumerate(records)]
    else:
        items = []
        # split on line feeds only: U+2028 and the like may stand inside a JSON string
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                items.append((number, json.loads(line), ""))
            except json.JSONDecodeError as exc:
                items.append((number, None, f"不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）"))
    if items and all(r is None for _, r, _ in items):
        raise DataError(f"{name} is not JSON lines: no line is a JSON object")
    seen: dict[str, None] = {}
    for number, record, problem in items:
        if not isinstance(record, dict):
            detail = problem or "不是 JSON 对象"
            read.rows.append(RawRow(number, {}, problem="bad_record", detail=detail))
            continue
        values = {str(k): _text(v).strip() for k, v in record.items()}
        seen.update(dict.fromkeys(values))
        read.rows.append(RawRow(number, values))
    read.columns = list(seen)


def _read_geojson(text: str, read: ReadFile, name: str) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{name} is not readable GeoJSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataError(f"{name} is not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError(f"{name} has no features list")
    seen: dict[str, None] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            read.rows.append(RawRow(number, {}, problem="bad_record", detail="不是 GeoJSON 要素"))
            continue
        props = feature.get("properties") or {}
        values = {str(k): _text(v).strip() for k, v in dict(props).items()}
        seen.update(dict.fromkeys(values))
        read.rows.append(RawRow(number, values, point=_point(feature.get("geometry"))))
    read.columns = list(seen)


def _point(geometry: Any) -> tuple[float, float] | None:
    """The coordinates of a Point (or a one-point MultiPoint) geometry, else None."""
    if not isinstance(geometry, dict):
        return None
    coords = geometry.get("coordinates")
    if geometry.get("type") == "MultiPoint" and isinstance(coords, list) and len(coords) == 1:
        coords = coords[0]
    elif geometry.get("type") != "Point":
        return None
    try:
        return float(coords[0]), float(coords[1])
    except (TypeError, ValueError, IndexError):
        return None
