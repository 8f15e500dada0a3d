"""The users table: add, list, disable, enable, set a password; checked against the area tree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import psycopg2.errors
import psycopg2.extensions

from geo.auth import AREA_LEVELS, ROLES, User
from geo.auth.passwords import hash_password
from geo.errors import MinqingError

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")

_GET = """
SELECT username, role, area_code, area_level, center_code, display_name
FROM users WHERE username = %s
"""
_LIST = """
SELECT u.username, u.role, u.area_code, u.area_level, u.center_code, u.display_name,
       u.disabled, u.created_at, u.updated_at, u.has_password, a.name, c.name
FROM users u
LEFT JOIN current_areas a ON a.code = u.area_code
LEFT JOIN centers c ON c.code = u.center_code
ORDER BY u.username
"""
_ADD = "SELECT minqing_add_user(%s, %s, %s, %s, %s, %s, %s, %s, %s)"
_AREA = "SELECT level FROM current_areas WHERE code = %s"
# The center and whether it serves the user's area or an area below it (current boundaries).
_CENTER = """
WITH RECURSIVE up AS (
    SELECT a.code, a.parent_code FROM current_areas a
    JOIN centers c ON c.area_code = a.code WHERE c.code = %(center)s
    UNION ALL
    SELECT p.code, p.parent_code FROM up JOIN current_areas p ON p.code = up.parent_code
)
SELECT EXISTS (SELECT 1 FROM centers WHERE code = %(center)s),
       EXISTS (SELECT 1 FROM up WHERE code = %(area)s)
"""
_SET_DISABLED = "SELECT minqing_set_user_disabled(%s, %s, %s, %s)"
_SET_PASSWORD = "SELECT minqing_set_user_password(%s, %s, %s, %s)"
_SET_ROLE = "SELECT minqing_set_user_role(%s, %s, %s, %s, %s)"
_MY_LANGUAGE = "SELECT minqing_my_language()"
_SET_MY_LANGUAGE = "SELECT minqing_set_my_language(%s)"
# The centers serving an area or an area below it (current boundaries), the highest first.
_CENTERS_SERVING = """
WITH RECURSIVE down AS (
    SELECT code FROM current_areas WHERE code = %(area)s
    UNION ALL
    SELECT a.code FROM current_areas a JOIN down ON a.parent_code = down.code
)
SELECT c.code, c.name, c.level
FROM centers c JOIN down ON down.code = c.area_code
JOIN center_levels l ON l.level = c.level
ORDER BY l.rank DESC, c.code
"""
LANGUAGES = ("zh", "en")


class UserError(MinqingError):
    """A user that cannot be added or changed as asked."""


@dataclass(frozen=True)
class CenterChoice:
    """A center an operator of an area may belong to."""

    code: str
    name: str
    level: str


@dataclass(frozen=True)
class UserRow:
    """A user as the admin page and `minqing users list` show it."""

    user: User
    disabled: bool
    created_at: datetime
    updated_at: datetime
    has_password: bool
    area_name: str | None = None  # None: the area is not in the current boundaries
    center_name: str | None = None


def get_user(conn: psycopg2.extensions.connection, username: str) -> User | None:
    """The user of this name, disabled or not (None when there is none)."""
    with conn.cursor() as cur:
        cur.execute(_GET, (username,))
        row = cur.fetchone()
    return User(*row) if row else None


def list_users(conn: psycopg2.extensions.connection) -> list[UserRow]:
    """Every user, by name."""
    with conn.cursor() as cur:
        cur.execute(_LIST)
        return [UserRow(User(*row[:6]), *row[6:]) for row in cur.fetchall()]


def check_username(username: str) -> str:
    """The username if well formed (letters, digits, `_ . @ -`, up to 64), else UserError."""
    if not USERNAME.match(username):
        raise UserError("a username has 1 to 64 characters: letters, digits, and _ . @ - only")
    return username


def add_user(
    conn: psycopg2.extensions.connection,
    username: str,
    display_name: str,
    role: str,
    area_code: str,
    password: str | None,
    center_code: str | None = None,
    actor: str = "system",
    client: str | None = None,
) -> User:
    """Add a user bound to an area of the current tree (its level is the area's), audited.

    An operator belongs to exactly one center, serving its area or an area below it. Works for
    an admin's session (the page) and for the owner (the command line); `actor` counts only
    for the owner, a session's changes are the session user's.
    """
    check_username(username)
    display_name = " ".join(display_name.split())
    if not 1 <= len(display_name) <= 100:
        raise UserError("a display name has 1 to 100 characters")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if role == "operator" and not center_code:
        raise UserError("an operator belongs to one center: give the code of its center")
    with conn.cursor() as cur:
        cur.execute(_AREA, (area_code,))
        area = cur.fetchone()
        if area is None:
            raise UserError(f"no area {area_code!r} in the current boundaries")
        if area[0] not in AREA_LEVELS:
            raise UserError(
                f"users are bound to a city, district, street or community, not a {area[0]}"
            )
        if center_code:
            _check_center(cur, center_code, area_code)
        if get_user(conn, username) is not None:
            raise UserError(f"a user {username!r} already exists")
        cur.execute(
            _ADD,
            (username, display_name, role, area_code, area[0], center_code or None,
             hash_password(password) if password is not None else None, actor, client),
        )  # fmt: skip
    return User(username, role, area_code, area[0], center_code or None, display_name)


def _check_center(cur: psycopg2.extensions.cursor, center_code: str, area_code: str) -> None:
    cur.execute(_CENTER, {"center": center_code, "area": area_code})
    exists, inside = cur.fetchone()
    if not exists:
        raise UserError(f"no center {center_code!r}")
    if not inside:
        raise UserError(f"the center {center_code!r} serves no area inside {area_code}")


def centers_serving(conn: psycopg2.extensions.connection, area_code: str) -> list[CenterChoice]:
    """The centers an operator of the area may belong to: its own and those below it."""
    with conn.cursor() as cur:
        cur.execute(_CENTERS_SERVING, {"area": area_code})
        return [CenterChoice(*row) for row in cur.fetchall()]


def set_role(
    conn: psycopg2.extensions.connection,
    username: str,
    role: str,
    center_code: str | None = None,
    actor: str = "system",
    client: str | None = None,
) -> None:
    """Change a user's role (and center: an operator's is required), audited (admin or owner).

    The center must serve the user's area or an area below it; the last enabled admin keeps
    the role. The change counts from the user's next page run.
    """
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if role == "operator" and not center_code:
        raise UserError("an operator belongs to one center: give the code of its center")
    user = get_user(conn, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    with conn.cursor() as cur:
        if center_code:
            _check_center(cur, center_code, user.area_code)
        try:
            cur.execute(_SET_ROLE, (username, role, center_code or None, actor, client))
        except psycopg2.errors.CheckViolation as exc:  # the transaction is lost: the caller's
            raise UserError(exc.diag.message_primary or "refused") from exc


def my_language(conn: psycopg2.extensions.connection) -> str | None:
    """The interface language the signed-in user chose ('zh', 'en'; None: not chosen)."""
    with conn.cursor() as cur:
        cur.execute(_MY_LANGUAGE)
        return cur.fetchone()[0]


def set_my_language(conn: psycopg2.extensions.connection, language: str) -> None:
    """Keep the signed-in user's interface language for their next visits (any browser)."""
    if language not in LANGUAGES:
        raise UserError(f"unknown language {language!r}: one of {', '.join(LANGUAGES)}")
    with conn.cursor() as cur:
        cur.execute(_SET_MY_LANGUAGE, (language,))


def set_disabled(
    conn: psycopg2.extensions.connection,
    username: str,
    disabled: bool,
    actor: str = "system",
    client: str | None = None,
) -> None:
    """Disable (ending every session) or enable a user, audited (an admin or the owner)."""
    with conn.cursor() as cur:
        cur.execute(_SET_DISABLED, (username, disabled, actor, client))
        if not cur.fetchone()[0]:
            raise UserError(f"no user {username!r}")


def set_password(
    conn: psycopg2.extensions.connection,
    username: str,
    password: str,
    actor: str = "system",
    client: str | None = None,
) -> None:
    """Set a new password (ending every session), audited (an admin or the owner)."""
    new_hash = hash_password(password)
    with conn.cursor() as cur:
        cur.execute(_SET_PASSWORD, (username, new_hash, actor, client))
        if not cur.fetchone()[0]:
            raise UserError(f"no user {username!r}")
