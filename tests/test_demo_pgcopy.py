"""Binary COPY encoding, decoded back here by a small independent reader."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest
import shapely

from geo.demo.pgcopy import _BinaryStream, point_ewkb

PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def read_all(stream) -> bytes:
    out = bytearray()
    while chunk := stream.read(7):  # a tiny read size exercises the chunking
        out += chunk
    return bytes(out)


def decode(data: bytes, types: list[str]) -> list[tuple]:
    """PostgreSQL binary COPY tuples to Python values (enough for these types)."""
    assert data.startswith(b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8)
    pos, rows = 19, []
    while True:
        (count,) = struct.unpack_from(">h", data, pos)
        pos += 2
        if count == -1:
            assert pos == len(data)
            return rows
        assert count == len(types)
        row = []
        for pg_type in types:
            (length,) = struct.unpack_from(">i", data, pos)
            pos += 4
            if length == -1:
                row.append(None)
                continue
            raw = data[pos : pos + length]
            pos += length
            if pg_type in ("int2", "int4", "int8"):
                row.append(int.from_bytes(raw, "big", signed=True))
            elif pg_type == "bool":
                row.append(raw == b"\x01")
            elif pg_type == "timestamptz":
                row.append(
                    PG_EPOCH + timedelta(microseconds=int.from_bytes(raw, "big", signed=True))
                )
            elif pg_type == "text":
                row.append(raw.decode("utf-8"))
            else:
                row.append(raw)
        rows.append(tuple(row))


def test_round_trip_of_every_supported_type():
    """Integers, booleans, timestamps, plain and dictionary text, geometry and NULLs."""
    when = datetime(2026, 3, 1, 8, 30, 15, tzinfo=UTC)
    x, y = np.array([103.83, 104.1, 102.9]), np.array([36.06, 35.9, 36.3])
    table = pa.table(
        {
            "id": pa.array([1, 2, 3_000_000_000], pa.int64()),
            "severity": pa.array([1, 4, 2], pa.int16()),
            "flag": pa.array([True, False, True]),
            "at": pa.array([when, None, when + timedelta(days=400)], pa.timestamp("s", tz="UTC")),
            "note": pa.array(["", "城关区张掖路街道", None]),
            "status": pa.array(["closed", None, "closed"]).dictionary_encode(),
            "geom": point_ewkb(x, y, 4490),
        }
    )
    types = {
        "id": "int8",
        "severity": "int2",
        "flag": "bool",
        "at": "timestamptz",
        "note": "text",
        "status": "text",
        "geom": "geometry",
    }
    rows = decode(read_all(_BinaryStream(table, types)), list(types.values()))
    assert [r[:6] for r in rows] == [
        (1, 1, True, when, "", "closed"),
        (2, 4, False, None, "城关区张掖路街道", None),
        (3_000_000_000, 2, True, when + timedelta(days=400), None, "closed"),
    ]
    points = shapely.from_wkb([r[6] for r in rows])
    assert shapely.get_srid(points).tolist() == [4490] * 3
    assert shapely.get_x(points).tolist() == x.tolist()
    assert shapely.get_y(points).tolist() == y.tolist()


def test_point_ewkb_is_what_geos_writes():
    """Our hand-built EWKB equals GEOS's little-endian EWKB with SRID."""
    x, y = np.array([103.5, 104.25]), np.array([36.125, 35.5])
    ours = point_ewkb(x, y, 4490).to_pylist()
    geos = shapely.to_wkb(
        shapely.set_srid(shapely.points(x, y), 4490), include_srid=True, byte_order=1
    )
    assert ours == list(geos)


def test_empty_table_is_header_and_trailer():
    """No rows: just the file header and the end marker."""
    table = pa.table({"id": pa.array([], pa.int64())})
    assert decode(read_all(_BinaryStream(table, {"id": "int8"})), ["int8"]) == []


def test_unknown_type_or_missing_type_is_refused():
    """A column without a database type, or of an unsupported type, fails clearly."""
    table = pa.table({"id": pa.array([1], pa.int64())})
    with pytest.raises(ValueError, match="no database type"):
        _BinaryStream(table, {})
    with pytest.raises(ValueError, match="no binary COPY encoding"):
        read_all(_BinaryStream(table, {"id": "numeric"}))
