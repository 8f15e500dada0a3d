"""Least privilege (issue 14): the pages' own login, at the database, tries to become someone
else, widen its scope, read or change users, write in another's name, act as another center."""

from __future__ import annotations

from datetime import datetime

import psycopg2
import psycopg2.errors
import pytest
from psycopg2 import sql

from geo import db
from geo.auth.audit import search
from geo.auth.sessions import create_session
from geo.auth.users import add_user, list_users, set_disabled
from geo.errors import ConfigError
from geo.settings import Settings
from geo.timeutil import CST
from geo.warnings import acknowledge
from geo.workflow.actions import apply_action
from geo.workflow.messages import WorkflowRefused
from tests.live_world import GRID_A, GRID_C, Incidents, build_world_at
from tests.support import Account, world_with_accounts

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
WS, POST = "ws-620102001001", "post-620102001"
PASSWORD = "a good password 1"
ACCOUNTS = [
    Account("boss", "admin", "620100"),
    Account("leader", "leader", "620102"),
    Account("mapper", "gis_staff", "620100"),
    Account("op_ws", "operator", "620102001001", WS),
]


@pytest.fixture(scope="module")
def world(scratch) -> str:
    """The tiny two-district world with one account per role, and one case in each district."""
    return world_with_accounts(scratch, "minqing_privilege", build_world_at, ACCOUNTS)


@pytest.fixture
def owner(world):
    conn = db.connect(world)
    yield conn
    conn.rollback()
    conn.close()


def token_of(owner, username: str) -> str:
    """A live session of a user (as signing in would open one)."""
    token = create_session(owner, username, Settings())
    owner.commit()
    return token


def as_app(app_pool, token: str | None, query: str, params: tuple = ()) -> list[tuple]:
    """What the pages' login gets for a query inside a session's transaction."""
    with db.session_transaction(app_pool, token) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else []


def test_the_pages_log_in_as_a_role_that_is_no_superuser_and_owns_nothing(app_pool):
    with db.transaction(app_pool) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, "
            "(SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid), "
            "(SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid "
            " AND c.relnamespace <> pg_my_temp_schema()), "
            "(SELECT count(*) FROM pg_proc p WHERE p.proowner = r.oid), "
            "(SELECT count(*) FROM pg_namespace n WHERE n.nspowner = r.oid) "
            "FROM pg_roles r WHERE r.rolname = session_user"
        )
        assert cur.fetchone() == ("minqing_app", False, False, False, False, 0, 0, 0, 0)
        cur.execute("RESET ROLE")  # gives back the login itself, nothing more
        cur.execute("SELECT current_user, (SELECT rolsuper FROM pg_roles "
                    "WHERE rolname = current_user)")  # fmt: skip
        assert cur.fetchone() == ("minqing_app", False)
        cur.execute(
            "SELECT rolname FROM pg_roles WHERE rolsuper OR rolbypassrls OR rolname = "
            "(SELECT tableowner FROM pg_tables WHERE tablename = 'incidents')"
        )
        mightier = [row[0] for row in cur.fetchall()]
    assert mightier
    for role in mightier:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with db.transaction(app_pool) as conn, conn.cursor() as cur:
                cur.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))


def test_the_pages_cannot_raise_their_scope(owner, app_pool):
    """A district leader's transaction: set_config of the scope or a copied context gives
    nothing (every policy then shows no row at all); the owner's signing is out of reach."""
    Incidents(owner, NOW).clear()
    Incidents(owner, NOW).add(GRID_A, 1)
    Incidents(owner, NOW).add(GRID_C, 1)  # 七里河区: not the leader's
    token = token_of(owner, "leader")
    count = "SELECT district_code, count(*) FROM incidents GROUP BY 1"
    assert as_app(app_pool, token, count) == [("620102", 1)]
    with db.session_transaction(app_pool, token) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_setting('minqing.context')")
        signed = cur.fetchone()[0]
        user, role, level, code, center, signature = signed.split("|")
        for forged in (
            "|".join((user, "admin", "city", "", center, signature)),  # widened, old signature
            "|".join((user, role, "district", "620103", center, signature)),
        ):
            cur.execute("SELECT set_config('minqing.context', %s, true)", (forged,))
            cur.execute(count)
            assert cur.fetchall() == []
        cur.execute("SELECT set_config('minqing.scope_level', 'city', true)")  # the old way
        cur.execute(count)
        assert cur.fetchall() == []
    with db.transaction(app_pool) as conn, conn.cursor() as cur:  # replayed in a new transaction
        cur.execute("SELECT set_config('minqing.context', %s, true)", (signed,))
        cur.execute(count)
        assert cur.fetchall() == []
    for attempt in (
        "SELECT minqing_private.set_context('leader', 'admin', 'city', '', '')",
        "SELECT * FROM minqing_private.context_secret",
        "SELECT * FROM minqing_private.login_policy",
        "UPDATE minqing_private.login_policy SET sso_enabled = true",
    ):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            as_app(app_pool, token, attempt)
    assert as_app(app_pool, "no such token", count) == []
    assert as_app(app_pool, None, count) == []


def test_users_sessions_and_hashes_are_out_of_reach(owner, app_pool):
    leader, boss = token_of(owner, "leader"), token_of(owner, "boss")
    for attempt in (
        "UPDATE users SET role = 'admin' WHERE username = 'leader'",
        "SELECT password_hash FROM users",
        "SELECT * FROM users",
        "SELECT token_hash FROM user_sessions",
        "DELETE FROM users",
        "INSERT INTO user_sessions (token_hash, username, expires_at) "
        "VALUES (repeat('a', 64), 'boss', now() + interval '1 day')",
    ):
        for token in (leader, boss):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                as_app(app_pool, token, attempt)
    # the admin's page reads users (never a hash) and the audit log; nobody else does
    users = "SELECT username FROM users ORDER BY 1"
    assert as_app(app_pool, leader, users) == [] == as_app(app_pool, None, users)
    assert [r[0] for r in as_app(app_pool, boss, users)] == sorted(a.username for a in ACCOUNTS)
    audit = "SELECT count(*) FROM audit_log"
    assert as_app(app_pool, leader, audit) == [(0,)]
    assert as_app(app_pool, boss, audit)[0][0] > 0
    with db.session_transaction(app_pool, boss) as conn:
        assert {row.user.username for row in list_users(conn)} == {a.username for a in ACCOUNTS}
    # changing users: an admin's session, not a leader's
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="administrator"):
        with db.session_transaction(app_pool, leader) as conn:
            set_disabled(conn, "boss", True, actor="leader")
    with db.session_transaction(app_pool, boss) as conn:
        add_user(conn, "newbie", "新人", "leader", "620103", PASSWORD, actor="someone else")
    with owner.cursor() as cur:
        cur.execute("SELECT actor FROM audit_log WHERE action = 'user_add' AND target = 'newbie'")
        assert cur.fetchall() == [("boss",)]  # the session's user, whatever the caller says


def test_entries_are_written_in_the_name_of_the_session_only(owner, app_pool):
    leader = token_of(owner, "leader")
    as_app(app_pool, leader, "INSERT INTO audit_log (actor, action) VALUES ('leader', 'logout')")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        as_app(app_pool, leader, "INSERT INTO audit_log (actor, action) VALUES ('boss', 'logout')")
    for attempt in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            as_app(app_pool, token_of(owner, "boss"), attempt)


def test_boundary_history_is_for_gis_staff_and_admins(owner, app_pool):
    with owner.cursor() as cur:
        cur.execute(
            "INSERT INTO boundary_events (action, actor, version_id) "
            "SELECT 'publish', 'test', id FROM boundary_versions WHERE is_current"
        )
    owner.commit()
    events = "SELECT count(*) FROM boundary_events"
    assert as_app(app_pool, token_of(owner, "leader"), events) == [(0,)]
    assert as_app(app_pool, token_of(owner, "op_ws"), events) == [(0,)]
    assert as_app(app_pool, token_of(owner, "mapper"), events)[0][0] >= 1
    assert as_app(app_pool, token_of(owner, "boss"), events)[0][0] >= 1
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        as_app(
            app_pool, token_of(owner, "leader"),
            "INSERT INTO boundary_versions (created_by, source) VALUES ('leader', 'x')",
        )  # fmt: skip
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="GIS staff"):
        as_app(app_pool, token_of(owner, "leader"), "SELECT minqing_analyze_areas()")


def test_an_operator_acts_only_as_its_own_center(owner, app_pool):
    """The community operator, offered a command post's case, may not act as that post: refused
    with the reason by geo/workflow, and by the database for a raw event; an admin may."""
    Incidents(owner, NOW).clear()
    case = Incidents(owner, NOW).add(GRID_A, 2, status="in_progress")
    with owner.cursor() as cur:
        cur.execute(
            "UPDATE incidents SET assigned_center = %s, handling_level = 'command_post' "
            "WHERE id = %s",
            (POST, case),
        )
    owner.commit()
    token = token_of(owner, "op_ws")
    before = _case_row(owner, case)
    with pytest.raises(WorkflowRefused) as refused:
        with db.session_transaction(app_pool, token) as conn:
            apply_action(conn, case, "resolve", "op_ws", POST, result="resolved", note="办结")
    assert refused.value.key == "not_own_center"
    with pytest.raises(WorkflowRefused) as refused:  # in someone else's name
        with db.session_transaction(app_pool, token) as conn:
            apply_action(conn, case, "urge", "boss", WS, note="请尽快")
    assert refused.value.key == "not_own_name"
    with pytest.raises(WorkflowRefused) as refused:  # as its own center: not the holder
        with db.session_transaction(app_pool, token) as conn:
            apply_action(conn, case, "resolve", "op_ws", WS, result="resolved", note="办结")
    assert refused.value.key == "not_holder"
    raw_event = (
        "INSERT INTO incident_events (incident_id, at, action, to_status, actor, acting_center) "
        "VALUES (%s, now(), 'urged', 'in_progress', %s, %s)"
    )
    for actor, acting in (("op_ws", POST), ("boss", None)):  # as another center; another name
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
            as_app(app_pool, token, raw_event, (case, actor, acting))
    assert _case_row(owner, case) == before
    with db.session_transaction(app_pool, token_of(owner, "boss")) as conn:
        apply_action(conn, case, "resolve", "boss", POST, result="resolved", note="办结")
    assert _case_row(owner, case)[0] == "resolved"


def _case_row(owner, case: int) -> tuple:
    with owner.cursor() as cur:
        cur.execute(
            "SELECT i.status, i.assigned_center, (SELECT count(*) FROM incident_events e "
            "WHERE e.incident_id = i.id) FROM incidents i WHERE i.id = %s",
            (case,),
        )
        row = cur.fetchone()
    owner.rollback()
    return row


def test_warning_actions_are_in_the_audit_log(owner, app_pool):
    with owner.cursor() as cur:
        cur.execute(
            "INSERT INTO warnings (kind, dedup_key, district_code, geom, reason, window_start, "
            "window_end, detected_at, last_seen_at) VALUES ('grid_surge', 'audit-1', '620102', "
            "ST_SetSRID(ST_MakePoint(103.72, 36.05), 4490), 'grid_surge', "
            "now() - interval '1 day', now(), now(), now()) RETURNING id"
        )
        warning = cur.fetchone()[0]
    owner.commit()
    with db.session_transaction(app_pool, token_of(owner, "leader")) as conn:
        acknowledge(conn, warning, "leader", "已签收", client="10.3.3.3")
    entries = search(owner, NOW.replace(year=2000), NOW.replace(year=2100), actor="leader",
                     actions=("warning_acknowledge",))  # fmt: skip
    assert [(e.target, e.detail["to_status"], e.client) for e in entries] == [
        (str(warning), "acknowledged", "10.3.3.3")
    ]


def test_the_pages_url_is_the_app_roles_never_the_owners():
    owner = "postgresql://owner:s3cret@db.internal:5432/minqing"
    derived = db.app_database_url(Settings(database_url=owner, app_password="p@ss/word"))
    assert derived == "postgresql://minqing_app:p%40ss%2Fword@db.internal:5432/minqing"
    given = "postgresql://web:x@db.internal:5432/minqing"
    assert db.app_database_url(Settings(database_url=owner, app_database_url=given)) == given
    with pytest.raises(ConfigError, match="MINQING_APP_PASSWORD"):
        db.app_database_url(Settings(database_url=owner, app_password=None))
