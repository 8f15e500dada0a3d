"""Tile statements prepared once per connection (`PREPARE`), then sent as `EXECUTE`.

psycopg2 sends every statement as text, parsed and planned again each time: for a tile, that
was as long as drawing it (0.4 ms of a z15 point tile's 1.3 ms). A tile statement is the same
text for every tile of its layers, with other values: prepared on a pooled connection the
first time it is drawn there, and a tile sends `EXECUTE` with the values. Values that decide
which index serves (a level, the open statuses: a partial index) are written into the
prepared text, so a statement is prepared per value of those (`Prepared.fixed`).

A statement runs its generic plan, kept by PostgreSQL (nothing planned per tile:
`plan_cache_mode` of the executing transaction). The tile statements' rows come in an order of
their own (`ORDER BY`), so that a tile's bytes are the same whatever the plan, prepared or
sent as text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

import psycopg2.extensions
from psycopg2 import sql

MOST_PER_CONNECTION = 64  # statements prepared on one connection at most; then as before
_GENERIC_PLAN = b"SET LOCAL plan_cache_mode = force_generic_plan;\n"
_PREPARE = sql.SQL("PREPARE {} AS ")
_EXECUTE = sql.SQL("EXECUTE {}(")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
_MOST_KEPT = 256  # texts with their fixed values, and statement names, kept at most
_FIXED: dict[tuple[str, tuple[str, ...]], str] = {}
_EXECUTES: dict[str, bytes] = {}  # by statement name: the start of its EXECUTE
# by name and text: the PREPARE, the start of the EXECUTE and the parameters' names in order
_NAMED: dict[tuple[str, str], tuple[str, bytes, tuple[str, ...]]] = {}


class Prepared(NamedTuple):
    """How a tile statement is prepared: the parameters written into its text (`fixed`)."""

    fixed: tuple[str, ...] = ()


class Shape(NamedTuple):
    """A prepared statement: its name, its text with `$n` placeholders and the parameters
    bound to them, in order."""

    name: str
    text: str
    names: tuple[tuple[int, str], ...]  # (statement, parameter) of $1, $2, …


def positional(text: str, offset: int) -> tuple[str, tuple[str, ...]]:
    """`text` with its `%(name)s` placeholders as `$n` from `offset` + 1 (`%%` as `%`), and
    the names in the order of their numbers."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in names:
            names.append(name)
        return f"${offset + names.index(name) + 1}"

    return _PLACEHOLDER.sub(number, text), tuple(names)


@lru_cache(maxsize=256)
def shape(check: bytes, texts: tuple[str, ...]) -> Shape:
    """The prepared statement drawing these layers' texts (each a column after `check`)."""
    columns, names = [], []
    for index, text in enumerate(texts):
        numbered, found = positional(text, len(names))
        columns.append(f"(\n{numbered}\n)")
        names += [(index, name) for name in found]
    full = "SELECT " + ", ".join([check.decode(), *columns])  # the project's own texts
    name = "minqing_tile_" + hashlib.sha256(full.encode()).hexdigest()[:24]
    return Shape(name, full, tuple(names))


def fixed_text(
    cur: psycopg2.extensions.cursor, text: str, params: Mapping, prepared: Prepared
) -> str:
    """The statement's text with its fixed parameters written in as values (made once for
    each text and values: the same few for every tile)."""
    values = tuple(repr(params[name]) for name in prepared.fixed)
    found = _FIXED.get((text, values))
    if found is None:
        found = text
        for name in prepared.fixed:
            value = cur.mogrify("%s", (params[name],)).decode().replace("%", "%%")
            found = found.replace(f"%({name})s", value)
        if len(_FIXED) >= _MOST_KEPT:
            _FIXED.clear()
        _FIXED[(text, values)] = found
    return found


class Execution(NamedTuple):
    """How a connection runs a prepared statement: the `PREPARE` to send first when the
    connection has not prepared it yet (else None), its name, and the message executing it."""

    prepare: str | None
    name: str
    message: bytes

    @property
    def sent(self) -> bytes:
        """The message, with the `PREPARE` before it when the connection must prepare first."""
        return (
            self.message if self.prepare is None else f"{self.prepare};\n".encode() + self.message
        )

    def record(self, conn: psycopg2.extensions.connection) -> None:
        """Record on the connection the statement `sent` prepared, once it went without error."""
        if self.prepare is not None:
            conn.prepared.add(self.name)  # a `geo.db.Connection`


def execution(
    cur: psycopg2.extensions.cursor,
    check: bytes,
    texts: Sequence[str],
    params: Sequence[Mapping],
) -> Execution | None:
    """How the cursor's connection runs the prepared statement of these layers with their
    parameters, on its generic plan; None when the connection holds its most prepared
    statements already, or keeps no record of them (not a `geo.db.Connection`). Once the
    `PREPARE` has been sent without error, `Execution.record` records it."""
    found = shape(check, tuple(texts))
    done: set[str] | None = getattr(cur.connection, "prepared", None)
    if done is None:
        return None
    known = found.name in done
    if not known and len(done) >= MOST_PER_CONNECTION:
        return None
    values = [params[index][name] for index, name in found.names]
    arguments = cur.mogrify(", ".join(["%s"] * len(values)), values) if values else b""
    named = sql.Identifier(found.name)
    start = _EXECUTES.get(found.name)
    if start is None:
        start = _GENERIC_PLAN + _EXECUTE.format(named).as_string(cur).encode()
        if len(_EXECUTES) >= _MOST_KEPT:
            _EXECUTES.clear()
        _EXECUTES[found.name] = start
    prepare = None if known else _PREPARE.format(named).as_string(cur) + found.text
    return Execution(prepare, found.name, start + arguments + b")")


def named_execution(
    cur: psycopg2.extensions.cursor, name: str, text: str, params: Mapping
) -> Execution:
    """The statement `text` (its `%(name)s` placeholders from `params`) as `EXECUTE` of the
    statement `name` prepared on the cursor's connection (a `geo.db.Connection`), with the
    `PREPARE` to send first when the connection has not yet (`Execution.record` once
    sent without error). Both are made once per name and text."""
    found = _NAMED.get((name, text))
    if found is None:
        numbered, names = positional(text, 0)
        named = sql.Identifier(name)
        prepare = _PREPARE.format(named).as_string(cur) + numbered
        found = (prepare, _EXECUTE.format(named).as_string(cur).encode(), names)
        if len(_NAMED) >= _MOST_KEPT:
            _NAMED.clear()
        _NAMED[(name, text)] = found
    prepare, start, names = found
    values = cur.mogrify(", ".join(["%s"] * len(names)), [params[n] for n in names])
    known = name in cur.connection.prepared
    return Execution(None if known else prepare, name, start + values + b")")
