"""COPY in and out of PostgreSQL through memory, as CSV."""

from __future__ import annotations

import csv
import io

import pandas as pd
import psycopg2.extensions
from psycopg2 import sql


def copy_rows(
    cur: psycopg2.extensions.cursor, table: str, columns: list[str], rows: list[tuple]
) -> None:
    """Write rows into a table with COPY (values quoted by the csv module, NULL as empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    buffer.seek(0)
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    cur.copy_expert(statement, buffer)


def copy_query(
    cur: psycopg2.extensions.cursor, query: str, params: dict, names: list[str], dtypes: dict
) -> pd.DataFrame:
    """The rows of a parameterised query, read with COPY (fast for millions of rows)."""
    bound = cur.mogrify(query, params).decode()
    buffer = io.BytesIO()
    cur.copy_expert(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv)", buffer)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame({n: pd.Series(dtype=dtypes.get(n, object)) for n in names})
    return pd.read_csv(buffer, names=names, dtype=dtypes, keep_default_na=False)
