-- Area scope enforced by the database (issue 7, part 2) and masked contact fields (part 4).
--
-- The dashboard works as `minqing_app`, a role that owns nothing: each unit of work runs
-- `SET LOCAL ROLE minqing_app` and sets the signed-in user's scope with
-- `set_config('minqing.scope_level' / 'minqing.scope_code', ..., true)` (geo/db.py), so the
-- scope ends with the transaction and a pooled connection never carries it to another user.
-- The tables' owner (the CLI, migrations, the demo seed) is not subject to the policies: they
-- are not FORCEd, and every policy names `minqing_app` only. See docs/security.md.

-- Roles belong to the cluster, not to one database: create it once, grant per database.
-- The owner becomes a member so that it can `SET ROLE minqing_app` (the fallback when the
-- dashboard logs in with the owner's URL).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'minqing_app') THEN
        BEGIN
            CREATE ROLE minqing_app NOLOGIN;
        EXCEPTION WHEN insufficient_privilege OR duplicate_object THEN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'minqing_app') THEN
                RAISE EXCEPTION 'the role minqing_app does not exist and % may not create it: '
                    'ask the DBA to run CREATE ROLE minqing_app NOLOGIN', current_user;
            END IF;
        END;
    END IF;
    IF NOT pg_has_role(current_user, 'minqing_app', 'MEMBER') THEN
        EXECUTE format('GRANT minqing_app TO %I', current_user);
    END IF;
END
$$;

-- What the pages read: everything but the contact columns (granted per column below).
GRANT USAGE ON SCHEMA public TO minqing_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO minqing_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO minqing_app;
-- What the pages write: case actions (the case desk) and reports filed on the desk. Boundary
-- publication and rollback rebuild indexes and move incidents across districts: they run as
-- the owner (dashboard/resources.owner_connection), after the page has checked the role.
GRANT INSERT, UPDATE ON incidents TO minqing_app;
GRANT INSERT ON incident_events, incident_links TO minqing_app;
DO $$
BEGIN
    IF to_regclass('users') IS NOT NULL THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON users, user_sessions TO minqing_app;
    END IF;
    IF to_regclass('audit_log') IS NOT NULL THEN
        GRANT SELECT, INSERT ON audit_log TO minqing_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM minqing_app;
    END IF;
END
$$;

-- The scope of this transaction ('' / NULL when none was set: then nothing is visible).
CREATE FUNCTION minqing_scope_level() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN current_setting('minqing.scope_level', true);

CREATE FUNCTION minqing_scope_code() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN current_setting('minqing.scope_code', true);

-- True when a row with these area codes lies in the scope. Inlined into the policies, so the
-- planner sees `district_code = current_setting(...)` and can use the incidents' indexes.
CREATE FUNCTION minqing_in_scope(district text, street text, community text, grid text)
    RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE current_setting('minqing.scope_level', true)
        WHEN 'city' THEN true
        WHEN 'district' THEN district = current_setting('minqing.scope_code', true)
        WHEN 'street' THEN street = current_setting('minqing.scope_code', true)
        WHEN 'community' THEN community = current_setting('minqing.scope_code', true)
        WHEN 'grid' THEN grid = current_setting('minqing.scope_code', true)
        ELSE false
    END;

-- The scope's area and every area below it down to the communities (the codes the daily
-- rollups and the centers carry) in the current boundaries; NULL for the city or no scope.
CREATE FUNCTION minqing_scope_codes() RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        WITH RECURSIVE below AS (
            SELECT a.version_id, a.code, a.depth
            FROM current_areas a
            WHERE a.code = minqing_scope_code() AND a.level = minqing_scope_level()
              AND a.level <> 'city'
            UNION ALL
            SELECT c.version_id, c.code, c.depth
            FROM below b
            JOIN areas c ON c.version_id = b.version_id AND c.parent_code = b.code
            WHERE c.depth <= 3
        )
        SELECT array_agg(code) FROM below
    $$;

-- The areas above the scope's area (the city, its district, ...): their centers are where the
-- scope's cases escalate to, so they are visible by name and place.
CREATE FUNCTION minqing_scope_ancestors() RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        WITH RECURSIVE above AS (
            SELECT a.version_id, a.parent_code AS code
            FROM current_areas a
            WHERE a.code = minqing_scope_code() AND a.level = minqing_scope_level()
              AND a.level <> 'city'
            UNION ALL
            SELECT p.version_id, p.parent_code
            FROM above b
            JOIN areas p ON p.version_id = b.version_id AND p.code = b.code
            WHERE p.parent_code IS NOT NULL
        )
        SELECT array_agg(code) FROM above
    $$;

-- Incidents: read and change only inside the scope; an update cannot move a row out of it.
ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
CREATE POLICY incidents_scope ON incidents TO minqing_app
    USING (minqing_in_scope(district_code, street_code, community_code, grid_code))
    WITH CHECK (minqing_in_scope(district_code, street_code, community_code, grid_code));

-- Rows hanging off an incident are visible exactly when the incident is (the subquery is
-- itself under the incidents' policy).
ALTER TABLE incident_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_events_scope ON incident_events TO minqing_app
    USING (EXISTS (SELECT FROM incidents i WHERE i.id = incident_id))
    WITH CHECK (EXISTS (SELECT FROM incidents i WHERE i.id = incident_id));

ALTER TABLE incident_links ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_links_scope ON incident_links TO minqing_app
    USING (EXISTS (SELECT FROM incidents i WHERE i.id = incident_id))
    WITH CHECK (EXISTS (SELECT FROM incidents i WHERE i.id = incident_id));

ALTER TABLE boundary_unplaced_incidents ENABLE ROW LEVEL SECURITY;
CREATE POLICY boundary_unplaced_incidents_scope ON boundary_unplaced_incidents TO minqing_app
    USING (EXISTS (SELECT FROM incidents i WHERE i.id = incident_id));

-- Centers: those serving an area inside the scope, and those above it (escalation targets).
-- The city center is therefore visible to everyone; its workload, like every figure, is
-- counted from the incidents the scope allows.
ALTER TABLE centers ENABLE ROW LEVEL SECURITY;
CREATE POLICY centers_scope ON centers FOR SELECT TO minqing_app
    USING ((SELECT minqing_scope_level()) = 'city'
           OR area_code = ANY ((SELECT minqing_scope_codes())::text[])
           OR area_code = ANY ((SELECT minqing_scope_ancestors())::text[]));

-- The daily rollups (migration 003): per-area figures, keyed by the area's code ('*' is the
-- city). The sub-selects are computed once per query, not per row.
ALTER TABLE incident_daily_flows ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_daily_flows_scope ON incident_daily_flows FOR SELECT TO minqing_app
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code = ANY ((SELECT minqing_scope_codes())::text[]));
ALTER TABLE incident_daily_stocks ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_daily_stocks_scope ON incident_daily_stocks FOR SELECT TO minqing_app
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code = ANY ((SELECT minqing_scope_codes())::text[]));
ALTER TABLE incident_daily_handling ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_daily_handling_scope ON incident_daily_handling FOR SELECT TO minqing_app
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code = ANY ((SELECT minqing_scope_codes())::text[]));

-- The rollups are kept by statement triggers on incidents. A case action by the app must
-- still count in the city's and the district's rows, which the app may neither see nor
-- write: the trigger functions run as their owner (with a fixed search path).
ALTER FUNCTION rollup_after_insert() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rollup_after_update() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rollup_after_delete() SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION rollup_after_truncate() SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION rollup_apply() FROM PUBLIC;

-- Contact fields (part 4). The reporter's phone and ID number are readable only through the
-- views below, which show them in full to the operators of the center handling the case
-- (`minqing.contact_center`, set per transaction like the scope) and masked to everyone else:
-- 138****5678, 6201**********1234. The app may read every other column; a migration that adds
-- a column to incidents or incident_links grants it with `SELECT minqing_grant_app_columns()`.
CREATE FUNCTION minqing_mask_phone(phone text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN phone IS NULL OR phone = '' THEN phone
                WHEN length(phone) < 8 THEN repeat('*', length(phone))
                ELSE left(phone, 3) || repeat('*', length(phone) - 7) || right(phone, 4) END;

CREATE FUNCTION minqing_mask_id_number(id_number text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN id_number IS NULL OR id_number = '' THEN id_number
                WHEN length(id_number) < 10 THEN repeat('*', length(id_number))
                ELSE left(id_number, 4) || repeat('*', length(id_number) - 8)
                     || right(id_number, 4) END;

-- True when this transaction's user may see the contacts of a case held by `center`.
CREATE FUNCTION minqing_sees_contacts(center text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce(center = nullif(current_setting('minqing.contact_center', true), ''), false);

CREATE FUNCTION minqing_grant_app_columns() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t text;
    cols text;
BEGIN
    FOREACH t IN ARRAY ARRAY['incidents', 'incident_links'] LOOP
        EXECUTE format('REVOKE SELECT ON %I FROM minqing_app', t);
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
        FROM pg_attribute
        WHERE attrelid = t::regclass AND attnum > 0 AND NOT attisdropped
          AND attname NOT IN ('reporter_phone', 'reporter_id_number');
        EXECUTE format('GRANT SELECT (%s) ON %I TO minqing_app', cols, t);
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION minqing_grant_app_columns() FROM PUBLIC;
SELECT minqing_grant_app_columns();

-- Owned by the owner, so they read the columns the app may not; the scope is applied here
-- explicitly (the owner is not under the policies), and the barrier keeps a caller's
-- conditions from running before it.
CREATE VIEW incident_contacts WITH (security_barrier) AS
SELECT i.id AS incident_id, i.reporter_name,
       CASE WHEN minqing_sees_contacts(i.assigned_center) THEN i.reporter_phone
            ELSE minqing_mask_phone(i.reporter_phone) END AS reporter_phone,
       CASE WHEN minqing_sees_contacts(i.assigned_center) THEN i.reporter_id_number
            ELSE minqing_mask_id_number(i.reporter_id_number) END AS reporter_id_number,
       minqing_sees_contacts(i.assigned_center) AS in_full
FROM incidents i
WHERE minqing_in_scope(i.district_code, i.street_code, i.community_code, i.grid_code);

CREATE VIEW incident_link_contacts WITH (security_barrier) AS
SELECT l.id AS link_id, l.incident_id, l.reporter_name,
       CASE WHEN minqing_sees_contacts(i.assigned_center) THEN l.reporter_phone
            ELSE minqing_mask_phone(l.reporter_phone) END AS reporter_phone,
       CASE WHEN minqing_sees_contacts(i.assigned_center) THEN l.reporter_id_number
            ELSE minqing_mask_id_number(l.reporter_id_number) END AS reporter_id_number,
       minqing_sees_contacts(i.assigned_center) AS in_full
FROM incident_links l
JOIN incidents i ON i.id = l.incident_id
WHERE minqing_in_scope(i.district_code, i.street_code, i.community_code, i.grid_code);

GRANT SELECT ON incident_contacts, incident_link_contacts TO minqing_app;
