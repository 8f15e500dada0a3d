"""Bulk writes with COPY in PostgreSQL's binary format, encoded column by column with Arrow.

Each column becomes an array of ready-made field bytes (a big-endian length, then the value
in the type's binary form, or length -1 for NULL); Arrow joins the fields of each row in C++,
and the joined values buffer is the COPY stream itself. Nothing is done per row in Python.
The server skips text parsing (timestamps, hex geometries, CSV quoting): measured here about
2.5 times faster than CSV for the incident events.

Supported target types: int2, int4, int8, bool, timestamptz (from Arrow timestamps, taken
as UTC), text (from strings or dictionary-encoded strings), and geometry / bytea (from
binary; for geometry, EWKB).
"""

from __future__ import annotations

import io
import struct

import numpy as np
import psycopg2.extensions
import pyarrow as pa
import pyarrow.compute as pc
from psycopg2 import sql

_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_NULL = pa.scalar(struct.pack(">i", -1), pa.binary())
_INT_WIDTH = {"int2": 2, "int4": 4, "int8": 8, "bool": 1}
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC in microseconds since 1970
_CHUNK = 1 << 20
_BATCH_ROWS = 100_000


def copy_binary(
    cur: psycopg2.extensions.cursor,
    table: str,
    data: pa.Table,
    types: dict[str, str],
    freeze: bool = False,
) -> int:
    """COPY `data` (columns named as in the database, typed by `types`) into `table`."""
    query = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT binary{})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(name) for name in data.column_names),
        sql.SQL(", FREEZE") if freeze else sql.SQL(""),
    )
    cur.copy_expert(query.as_string(cur), _BinaryStream(data, types), size=_CHUNK)
    return data.num_rows


def point_ewkb(x: np.ndarray, y: np.ndarray, srid: int) -> pa.Array:
    """Points as EWKB (little endian, with the SRID), built without a Python loop."""
    record = np.dtype(
        [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
    )
    points = np.empty(len(x), dtype=record)
    points["order"] = 1
    points["type"] = 0x20000001  # Point, with the SRID flag
    points["srid"] = srid
    points["x"] = x
    points["y"] = y
    fixed = pa.Array.from_buffers(pa.binary(record.itemsize), len(x), [None, pa.py_buffer(points)])
    return fixed.cast(pa.binary())


def encode_rows(
    batch: pa.RecordBatch, types: dict[str, str], cache: dict | None = None
) -> pa.Buffer:
    """The binary COPY tuples of a batch (without the file header and trailer).

    `cache` keeps the encoded dictionaries of dictionary columns from batch to batch.
    """
    cache = {} if cache is None else cache
    count = _fixed(np.full(batch.num_rows, batch.num_columns), ">i2")
    fields = [
        _field(batch.column(i), types[name], cache.setdefault(name, {}))
        for i, name in enumerate(batch.schema.names)
    ]
    rows = pc.binary_join_element_wise(count, *fields, b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=len(rows) + 1)
    return rows.buffers()[2][int(offsets[0]) : int(offsets[-1])]


def _field(column: pa.Array, pg_type: str, cache: dict) -> pa.Array:
    """Each value's field bytes (length + binary value, or -1 for NULL) as a binary array."""
    if pg_type in _INT_WIDTH:
        width = _INT_WIDTH[pg_type]
        values = column.cast(pa.int64()).fill_null(0).to_numpy()
        encoded = _with_length(values, f">i{width}" if width > 1 else ">u1", width)
    elif pg_type == "timestamptz":
        micros = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).fill_null(0)
        encoded = _with_length(micros.to_numpy() - _PG_EPOCH_US, ">i8", 8)
    elif pg_type == "text" and pa.types.is_dictionary(column.type):
        if "words" not in cache or not cache["words"].equals(column.dictionary):
            words = column.dictionary.cast(pa.string()).to_pylist()
            cache["words"] = column.dictionary
            cache["entries"] = pa.array([_text_field(w) for w in words], pa.binary())
        encoded = pc.take(cache["entries"], column.indices)
    elif pg_type in ("text", "geometry", "bytea"):
        raw = (
            column.cast(pa.binary())
            if pg_type != "text"
            else column.cast(pa.string()).cast(pa.binary())
        )
        lengths = pc.binary_length(raw).fill_null(0).to_numpy(zero_copy_only=False)
        encoded = pc.binary_join_element_wise(_fixed(lengths, ">i4"), raw, b"")
    else:
        raise ValueError(f"no binary COPY encoding for the type {pg_type!r}")
    if column.null_count:
        encoded = pc.if_else(column.is_valid(), encoded, _NULL)
    return encoded


def _text_field(word: str | None) -> bytes:
    data = (word or "").encode("utf-8")
    return struct.pack(">i", len(data)) + data


def _with_length(values: np.ndarray, dtype: str, width: int) -> pa.Array:
    """Fixed-width values with their length prefix, as a binary array."""
    record = np.empty(len(values), dtype=[("length", ">i4"), ("value", dtype)])
    record["length"] = width
    record["value"] = values
    fixed = pa.Array.from_buffers(pa.binary(4 + width), len(values), [None, pa.py_buffer(record)])
    return fixed.cast(pa.binary())


def _fixed(values: np.ndarray, dtype: str) -> pa.Array:
    """Big-endian integers as a binary array of their bytes."""
    raw = np.ascontiguousarray(np.asarray(values).astype(dtype))
    width = raw.dtype.itemsize
    fixed = pa.Array.from_buffers(pa.binary(width), len(raw), [None, pa.py_buffer(raw)])
    return fixed.cast(pa.binary())


class _BinaryStream(io.RawIOBase):
    """A readable binary COPY file of the table, encoded batch by batch on demand."""

    def __init__(self, data: pa.Table, types: dict[str, str]) -> None:
        super().__init__()
        missing = set(data.column_names) - set(types)
        if missing:
            raise ValueError(f"no database type given for the columns {sorted(missing)}")
        self._types = types
        self._cache: dict[str, dict] = {}
        self._batches = iter(data.to_batches(max_chunksize=_BATCH_ROWS))
        self._pending = [memoryview(_HEADER)]
        self._done = False
        self._offset = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while self._pending and self._offset >= len(self._pending[0]):
            self._pending.pop(0)
            self._offset = 0
        if not self._pending:
            if self._done:
                return b""
            batch = next(self._batches, None)
            if batch is None:
                self._done = True
                self._pending.append(memoryview(_TRAILER))
            else:
                self._pending.append(memoryview(encode_rows(batch, self._types, self._cache)))
            return self.read(size)
        current = self._pending[0]
        end = len(current) if size < 0 else self._offset + size
        chunk = bytes(current[self._offset : end])
        self._offset += len(chunk)
        return chunk
