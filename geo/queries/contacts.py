"""The reporter's contact fields of a case, masked by the database for who may not see them."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg2.extensions

_CONTACTS = """
SELECT reporter_name, reporter_phone, reporter_id_number, in_full
FROM incident_contacts
WHERE incident_id = %(id)s
"""


@dataclass(frozen=True)
class Contacts:
    """Name, phone and ID number as this user may see them; `in_full` when not masked."""

    name: str | None
    phone: str | None
    id_number: str | None
    in_full: bool


def reporter_contacts(conn: psycopg2.extensions.connection, incident_id: int) -> Contacts | None:
    """A case's contacts through the masking view (migration 011); None outside the scope."""
    with conn.cursor() as cur:
        cur.execute(_CONTACTS, {"id": incident_id})
        row = cur.fetchone()
    return Contacts(*row) if row else None
