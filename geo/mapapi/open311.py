"""Open311 GeoReport v2's view of the cases: services are the categories and subcategories,
a service request is an incident, its status open or closed, its notes the latest event's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from geo.filters import OPEN_STATUSES
from geo.sqlfiles import load_sql
from geo.vocabulary import CATEGORIES

CLOSED_STATUSES = ("resolved", "closed")
MOST_REQUESTS = 1000  # the spec's default and limit of one answer


@dataclass(frozen=True)
class Service:
    """A service a resident can report: a category, or one of its subcategories."""

    code: str
    name: str
    description: str
    group: str
    category: str
    subcategory: str | None


def services(lang: str = "zh") -> list[Service]:
    """Every category (a general service) and every subcategory, in the vocabulary's order."""
    out = []
    for code, category in CATEGORIES.items():
        group = category.zh if lang == "zh" else category.en
        out.append(Service(code, group, group, group, code, None))
        for sub_code, label in category.subcategories.items():
            name = label.zh if lang == "zh" else label.en
            out.append(
                Service(f"{code}.{sub_code}", name, f"{group} · {name}", group, code, sub_code)
            )
    return out


def service(code: str, lang: str = "zh") -> Service | None:
    """The service of a code (None when there is none)."""
    return next((s for s in services(lang) if s.code == code), None)


def open311_status(status: str) -> str:
    """open or closed, the only statuses of GeoReport v2."""
    return "open" if status in OPEN_STATUSES else "closed"


@dataclass(frozen=True)
class ServiceRequest:
    """An incident as a GeoReport v2 service request."""

    id: int
    status: str
    category: str
    subcategory: str
    description: str
    agency: str | None
    requested: datetime
    updated: datetime
    expected: datetime
    address: str
    lon: float
    lat: float
    note: str | None
    action: str | None
    result: str | None
    token: str | None

    @property
    def service_code(self) -> str:
        """The code of the request's service (its subcategory's when it has one)."""
        return f"{self.category}.{self.subcategory}" if self.subcategory else self.category


def requests(
    conn: psycopg2.extensions.connection,
    sources: Sequence[str],
    *,
    ids: Sequence[int] | None = None,
    found: Service | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: Sequence[str] | None = None,
    limit: int = MOST_REQUESTS,
) -> list[ServiceRequest]:
    """The requests of the sources the transaction may see, newest first."""
    params = {
        "sources": list(sources), "ids": list(ids) if ids is not None else None,
        "category": found.category if found else None,
        "subcategory": found.subcategory if found else None, "start": start, "end": end,
        "statuses": list(statuses) if statuses else None, "limit": limit,
    }  # fmt: skip
    with conn.cursor() as cur:
        cur.execute(load_sql("mapapi_open311_requests"), params)
        return [ServiceRequest(*row) for row in cur.fetchall()]


_BY_TOKEN = """
SELECT i.id FROM incidents i WHERE i.source = ANY(%(sources)s) AND i.source_id = %(token)s
UNION ALL
SELECT l.incident_id FROM incident_links l
WHERE l.source = ANY(%(sources)s) AND l.source_id = %(token)s
LIMIT 1
"""


def request_of_token(
    conn: psycopg2.extensions.connection, sources: Sequence[str], token: str
) -> int | None:
    """The request id a token (the report's source id) became, if the transaction sees it."""
    with conn.cursor() as cur:
        cur.execute(_BY_TOKEN, {"sources": list(sources), "token": token})
        row = cur.fetchone()
    return row[0] if row else None
