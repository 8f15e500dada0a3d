"""Static SQL kept in packaged `.sql` files under geo/sql/."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    """The text of `geo/sql/<name>.sql`."""
    return resources.files("geo.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")
