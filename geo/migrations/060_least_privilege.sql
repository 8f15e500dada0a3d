-- Least privilege for the pages (issue 14; docs/security.md, "Who the database acts for").
--
-- The pages log in as `minqing_app` itself (a role that owns nothing, is no superuser and is
-- a member of no role, so `SET ROLE` and `RESET ROLE` give it nothing). It can no longer set
-- its own scope: the policies read the transaction's *context* (who acts, their role, area
-- scope and center), which only the functions below establish, after checking a session token
-- against `user_sessions` (`minqing_enter_session`) or, for the tables' owner (command line,
-- benchmarks, tests), on its word (`minqing_private.set_context`). The context is one
-- transaction-local setting, `minqing.context`, signed with a secret only the owner can read:
-- the signature covers the server process and the transaction's start, so a copied or edited
-- value (a `set_config` from the app) is worth nothing and every policy then shows nothing.
-- Sign-in, sessions, the users table and the audit log are reached through functions that
-- check the context and return no password hash.

-- Nothing here is readable by the app: the app has no USAGE on this schema.
CREATE SCHEMA minqing_private;
REVOKE ALL ON SCHEMA minqing_private FROM PUBLIC;
-- Old clusters let every role create objects in `public`; a function's unqualified names must
-- not meet the app's objects there.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE TABLE minqing_private.context_secret (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    secret   text NOT NULL
);
INSERT INTO minqing_private.context_secret (secret)
SELECT encode(sha256(convert_to(
    gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex');

-- The signature of a context payload for this transaction of this server process.
CREATE FUNCTION minqing_private.context_signature(payload text) RETURNS text
    LANGUAGE sql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $$
        SELECT encode(sha256(convert_to(s.secret || encode(sha256(convert_to(
            payload || '|' || pg_backend_pid() || '|' || extract(epoch FROM now()), 'UTF8')),
            'hex'), 'UTF8')), 'hex')
        FROM minqing_private.context_secret s
    $$;

-- Act for someone until the transaction ends. Called by the owner directly, or by the checking
-- functions below (which run as the owner). Also keeps the planner from parallel plans, which
-- under the policies were twice as slow on two loaded cores (docs/benchmarks.md).
CREATE FUNCTION minqing_private.set_context(
    username text, role text, level text, code text, center text
) RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    payload text := concat_ws('|', coalesce(username, ''), coalesce(role, ''),
                              coalesce(level, ''), coalesce(code, ''), coalesce(center, ''));
BEGIN
    PERFORM set_config('minqing.context',
                       payload || '|' || minqing_private.context_signature(payload), true);
    PERFORM set_config('max_parallel_workers_per_gather', '0', true);
END
$$;

-- The verified context of this transaction: {user, role, level, code, center}, or NULL when
-- none was set or the setting is not the one a checking function signed (fail closed).
CREATE FUNCTION minqing_context() RETURNS text[]
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    raw   text := current_setting('minqing.context', true);
    parts text[];
BEGIN
    IF raw IS NULL OR raw = '' THEN
        RETURN NULL;
    END IF;
    parts := string_to_array(raw, '|');
    IF cardinality(parts) <> 6
       OR parts[6] IS DISTINCT FROM
          minqing_private.context_signature(array_to_string(parts[1:5], '|')) THEN
        RETURN NULL;
    END IF;
    RETURN parts[1:5];
END
$$;

CREATE FUNCTION minqing_ctx_user() RETURNS text
    LANGUAGE sql STABLE PARALLEL RESTRICTED RETURN nullif((minqing_context())[1], '');
CREATE FUNCTION minqing_ctx_role() RETURNS text
    LANGUAGE sql STABLE PARALLEL RESTRICTED RETURN nullif((minqing_context())[2], '');
-- The center whose cases show the reporter's contacts in full: the acting operator's.
CREATE FUNCTION minqing_ctx_center() RETURNS text
    LANGUAGE sql STABLE PARALLEL RESTRICTED RETURN nullif((minqing_context())[5], '');

-- The scope functions of migration 011 now read the verified context; every policy built on
-- them (centers, rollups) follows.
CREATE OR REPLACE FUNCTION minqing_scope_level() RETURNS text
    LANGUAGE sql STABLE PARALLEL RESTRICTED RETURN nullif((minqing_context())[3], '');
CREATE OR REPLACE FUNCTION minqing_scope_code() RETURNS text
    LANGUAGE sql STABLE PARALLEL RESTRICTED RETURN nullif((minqing_context())[4], '');
ALTER FUNCTION minqing_scope_codes() PARALLEL RESTRICTED;
ALTER FUNCTION minqing_scope_ancestors() PARALLEL RESTRICTED;
-- Row by row, for ad-hoc use; the policies below compute the context once per query instead.
CREATE OR REPLACE FUNCTION minqing_in_scope(district text, street text, community text, grid text)
    RETURNS boolean LANGUAGE sql STABLE PARALLEL RESTRICTED
    RETURN CASE minqing_scope_level()
        WHEN 'city' THEN true
        WHEN 'district' THEN district = minqing_scope_code()
        WHEN 'street' THEN street = minqing_scope_code()
        WHEN 'community' THEN community = minqing_scope_code()
        WHEN 'grid' THEN grid = minqing_scope_code()
        ELSE false
    END;
CREATE OR REPLACE FUNCTION minqing_sees_contacts(center text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL RESTRICTED
    RETURN coalesce(center = minqing_ctx_center(), false);

-- True for a session that logged in as the tables' owner (or a superuser): the command line.
CREATE FUNCTION minqing_owner_session() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
        SELECT pg_has_role(session_user, c.relowner, 'USAGE')
        FROM pg_class c WHERE c.oid = 'public.users'::regclass
    $$;

-- Boundary publication from the page: GIS staff and admins, city-wide.
CREATE FUNCTION minqing_may_publish() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL RESTRICTED
    RETURN coalesce(minqing_ctx_role() IN ('gis_staff', 'admin')
                    AND minqing_scope_level() = 'city', false);

-- Incidents and warnings: the scope's codes compared with the row's, the context computed
-- once per query (sub-selects are evaluated once; a function call would run per row).
DROP POLICY incidents_scope ON incidents;
CREATE POLICY incidents_scope ON incidents TO minqing_app
    USING (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               WHEN 'district' THEN district_code = (SELECT minqing_scope_code())
               WHEN 'street' THEN street_code = (SELECT minqing_scope_code())
               WHEN 'community' THEN community_code = (SELECT minqing_scope_code())
               WHEN 'grid' THEN grid_code = (SELECT minqing_scope_code())
               ELSE false END)
    WITH CHECK (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               WHEN 'district' THEN district_code = (SELECT minqing_scope_code())
               WHEN 'street' THEN street_code = (SELECT minqing_scope_code())
               WHEN 'community' THEN community_code = (SELECT minqing_scope_code())
               WHEN 'grid' THEN grid_code = (SELECT minqing_scope_code())
               ELSE false END);

DROP POLICY warnings_scope ON warnings;
CREATE POLICY warnings_scope ON warnings TO minqing_app
    USING (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               WHEN 'district' THEN district_code = (SELECT minqing_scope_code())
               WHEN 'street' THEN street_code = (SELECT minqing_scope_code())
               WHEN 'community' THEN community_code = (SELECT minqing_scope_code())
               WHEN 'grid' THEN grid_code = (SELECT minqing_scope_code())
               ELSE false END)
    WITH CHECK (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               WHEN 'district' THEN district_code = (SELECT minqing_scope_code())
               WHEN 'street' THEN street_code = (SELECT minqing_scope_code())
               WHEN 'community' THEN community_code = (SELECT minqing_scope_code())
               WHEN 'grid' THEN grid_code = (SELECT minqing_scope_code())
               ELSE false END);

-- An event is written in the name of the one acting, and a case action as their own center
-- (issue 14, item 1): an operator only as the center of its account, an admin as any. Events
-- without an acting center (a report coming in) need only the name.
CREATE POLICY incident_events_actor ON incident_events AS RESTRICTIVE FOR INSERT TO minqing_app
    WITH CHECK (actor = (SELECT minqing_ctx_user())
                AND (acting_center IS NULL OR (SELECT minqing_ctx_role()) = 'admin'
                     OR acting_center = (SELECT minqing_ctx_center())));

-- The contact views of migration 011, on the verified context.
CREATE OR REPLACE VIEW incident_contacts WITH (security_barrier) AS
SELECT i.id AS incident_id, i.reporter_name,
       CASE WHEN i.assigned_center = (SELECT minqing_ctx_center()) THEN i.reporter_phone
            ELSE minqing_mask_phone(i.reporter_phone) END AS reporter_phone,
       CASE WHEN i.assigned_center = (SELECT minqing_ctx_center()) THEN i.reporter_id_number
            ELSE minqing_mask_id_number(i.reporter_id_number) END AS reporter_id_number,
       coalesce(i.assigned_center = (SELECT minqing_ctx_center()), false) AS in_full
FROM incidents i
WHERE CASE (SELECT minqing_scope_level())
          WHEN 'city' THEN true
          WHEN 'district' THEN i.district_code = (SELECT minqing_scope_code())
          WHEN 'street' THEN i.street_code = (SELECT minqing_scope_code())
          WHEN 'community' THEN i.community_code = (SELECT minqing_scope_code())
          WHEN 'grid' THEN i.grid_code = (SELECT minqing_scope_code())
          ELSE false END;

CREATE OR REPLACE VIEW incident_link_contacts WITH (security_barrier) AS
SELECT l.id AS link_id, l.incident_id, l.reporter_name,
       CASE WHEN i.assigned_center = (SELECT minqing_ctx_center()) THEN l.reporter_phone
            ELSE minqing_mask_phone(l.reporter_phone) END AS reporter_phone,
       CASE WHEN i.assigned_center = (SELECT minqing_ctx_center()) THEN l.reporter_id_number
            ELSE minqing_mask_id_number(l.reporter_id_number) END AS reporter_id_number,
       coalesce(i.assigned_center = (SELECT minqing_ctx_center()), false) AS in_full
FROM incident_links l
JOIN incidents i ON i.id = l.incident_id
WHERE CASE (SELECT minqing_scope_level())
          WHEN 'city' THEN true
          WHEN 'district' THEN i.district_code = (SELECT minqing_scope_code())
          WHEN 'street' THEN i.street_code = (SELECT minqing_scope_code())
          WHEN 'community' THEN i.community_code = (SELECT minqing_scope_code())
          WHEN 'grid' THEN i.grid_code = (SELECT minqing_scope_code())
          ELSE false END;

-- Users (issue 13): an operator belongs to exactly one center. Operators without one get the
-- center of their area (or of the nearest area above it that has one); any left without a
-- center are disabled, and an enabled operator needs one from now on.
UPDATE users u SET center_code = (
    WITH RECURSIVE up AS (
        SELECT a.code, a.parent_code, 0 AS steps FROM current_areas a WHERE a.code = u.area_code
        UNION ALL
        SELECT p.code, p.parent_code, up.steps + 1
        FROM up JOIN current_areas p ON p.code = up.parent_code
    )
    SELECT c.code FROM up JOIN centers c ON c.area_code = up.code
    ORDER BY up.steps, c.code LIMIT 1
), updated_at = now()
WHERE u.role = 'operator' AND u.center_code IS NULL;
UPDATE users SET disabled = true, updated_at = now()
WHERE role = 'operator' AND center_code IS NULL AND NOT disabled;
ALTER TABLE users ADD CONSTRAINT users_operator_center
    CHECK (role <> 'operator' OR center_code IS NOT NULL OR disabled);

-- Passwords: the stored form keeps the SHA-256 of the scrypt key (`scrypt-v$N$r$p$salt$hex`),
-- so a sign-in sends the key it derived (a proof) and the database compares digests: the
-- stored value never leaves the database, and is not itself a proof (issue 14, item 3).
UPDATE users SET password_hash = concat_ws('$', 'scrypt-v', split_part(password_hash, '$', 2),
    split_part(password_hash, '$', 3), split_part(password_hash, '$', 4),
    split_part(password_hash, '$', 5),
    encode(sha256(decode(split_part(password_hash, '$', 6)
        || repeat('=', (4 - length(split_part(password_hash, '$', 6)) % 4) % 4), 'base64')), 'hex'))
WHERE password_hash LIKE 'scrypt$%';
ALTER TABLE users ADD CONSTRAINT users_password_form CHECK (
    password_hash ~ '^scrypt-v\$[0-9]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/]+\$[0-9a-f]{64}$');
-- The account lock (failed_attempts, locked_until) is gone: sign-in slows down per address
-- and overall instead (minqing_private.login_failures).
ALTER TABLE users DROP COLUMN failed_attempts, DROP COLUMN locked_until,
    ADD COLUMN has_password boolean GENERATED ALWAYS AS (password_hash IS NOT NULL) STORED;

-- Sessions keep their own idle limit (set at sign-in from the settings).
ALTER TABLE user_sessions ADD COLUMN idle_minutes integer NOT NULL DEFAULT 30
    CHECK (idle_minutes BETWEEN 1 AND 1440);

-- Sign-in throttling: failures by client address, the rules in one row (`minqing run` writes
-- the MINQING_LOGIN_* settings here).
CREATE TABLE minqing_private.login_failures (
    at     timestamptz NOT NULL,
    client text NOT NULL
);
CREATE INDEX login_failures_client_idx ON minqing_private.login_failures (client, at);
CREATE INDEX login_failures_at_idx ON minqing_private.login_failures (at);
CREATE TABLE minqing_private.login_policy (
    only_row           boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    free_failures      integer NOT NULL DEFAULT 5 CHECK (free_failures >= 0),
    base_delay_seconds double precision NOT NULL DEFAULT 1 CHECK (base_delay_seconds >= 0),
    max_delay_seconds  double precision NOT NULL DEFAULT 300 CHECK (max_delay_seconds >= 0),
    window_minutes     integer NOT NULL DEFAULT 15 CHECK (window_minutes >= 1),
    overall_per_minute integer NOT NULL DEFAULT 100 CHECK (overall_per_minute >= 1),
    -- On when a trusted gateway names the user (MINQING_TRUSTED_HEADER): only then may the
    -- app open a session without a password.
    sso_enabled        boolean NOT NULL DEFAULT false
);
INSERT INTO minqing_private.login_policy DEFAULT VALUES;

-- Open a session (the browser keeps the token; only its SHA-256 is stored).
CREATE FUNCTION minqing_private.open_session(
    p_username text, p_token text, p_client text, p_idle_minutes integer,
    p_absolute_hours integer
) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_token IS NULL OR length(p_token) NOT BETWEEN 32 AND 100 THEN
        RAISE EXCEPTION 'a session token has 32 to 100 characters';
    END IF;
    IF p_absolute_hours NOT BETWEEN 1 AND 168 THEN
        RAISE EXCEPTION 'a session lasts 1 to 168 hours';
    END IF;
    INSERT INTO public.user_sessions (token_hash, username, created_at, last_seen_at,
                                      expires_at, client, idle_minutes)
    VALUES (encode(sha256(convert_to(p_token, 'UTF8')), 'hex'), p_username, now(), now(),
            now() + make_interval(hours => p_absolute_hours), p_client, p_idle_minutes);
END
$$;

CREATE FUNCTION minqing_private.audit(
    p_actor text, p_action text, p_target text, p_detail jsonb, p_client text
) RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO public.audit_log (actor, action, target, detail, client)
    VALUES (left(p_actor, 200), p_action, left(coalesce(p_target, ''), 500),
            coalesce(p_detail, '{}'::jsonb), p_client)
$$;

-- The user a function acts for: the owner's word on the command line, else the context's.
CREATE FUNCTION minqing_private.acting(p_actor text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
        SELECT CASE WHEN minqing_owner_session() THEN p_actor ELSE minqing_ctx_user() END
    $$;

-- Check a session token and act for its user until the transaction ends. `p_use`: this is a
-- person's own action (a page run), so the session's idle time starts again; a timed refresh
-- passes false and leaves it. Returns the user, or no row (and no context) for a session that
-- is unknown, revoked, expired, idle too long, or whose user is disabled.
CREATE FUNCTION minqing_enter_session(p_token text, p_use boolean DEFAULT false)
    RETURNS TABLE (username text, role text, area_code text, area_level text,
                   center_code text, display_name text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    key text;
    u   record;
BEGIN
    PERFORM set_config('minqing.context', '', true);
    IF p_token IS NULL OR length(p_token) NOT BETWEEN 1 AND 100 THEN
        RETURN;
    END IF;
    key := encode(sha256(convert_to(p_token, 'UTF8')), 'hex');
    SELECT a.username, a.role, a.area_code, a.area_level, a.center_code, a.display_name,
           s.last_seen_at
    INTO u
    FROM public.user_sessions s JOIN public.users a ON a.username = s.username
    WHERE s.token_hash = key AND s.revoked_at IS NULL AND s.expires_at > now()
      AND s.last_seen_at > now() - make_interval(mins => s.idle_minutes)
      AND NOT a.disabled;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_use AND now() - u.last_seen_at >= interval '30 seconds' THEN
        UPDATE public.user_sessions SET last_seen_at = now() WHERE token_hash = key;
    END IF;
    PERFORM minqing_private.set_context(
        u.username, u.role, u.area_level,
        CASE WHEN u.area_level = 'city' THEN '' ELSE u.area_code END,
        CASE WHEN u.role = 'operator' THEN u.center_code END);
    RETURN QUERY SELECT u.username, u.role, u.area_code, u.area_level, u.center_code,
                        u.display_name;
END
$$;

-- End a session (sign-out), audited; the user's name, or NULL when it was not live.
CREATE FUNCTION minqing_sign_out(p_token text, p_client text) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who text;
BEGIN
    UPDATE public.user_sessions SET revoked_at = now()
    WHERE token_hash = encode(sha256(convert_to(coalesce(p_token, ''), 'UTF8')), 'hex')
      AND revoked_at IS NULL
    RETURNING username INTO who;
    IF who IS NOT NULL THEN
        PERFORM minqing_private.audit(who, 'logout', who, '{}', p_client);
    END IF;
    RETURN who;
END
$$;

-- The scrypt parameters and salt to derive a sign-in proof with (`N$r$p$salt`). An unknown
-- name, or one without a password, gets parameters and a salt derived from the secret and the
-- name: the same answer every time, so it does not tell which accounts exist.
CREATE FUNCTION minqing_login_salt(p_username text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    stored text;
BEGIN
    SELECT password_hash INTO stored FROM public.users WHERE username = p_username;
    IF stored IS NOT NULL THEN
        RETURN array_to_string((string_to_array(stored, '$'))[2:5], '$');
    END IF;
    RETURN '32768$8$1$' || rtrim(encode(substr(sha256(convert_to(
        (SELECT secret FROM minqing_private.context_secret) || '|salt|' || coalesce(p_username, ''),
        'UTF8')), 1, 16), 'base64'), '=');
END
$$;

-- Sign in with a proof (the hex scrypt key derived with minqing_login_salt's parameters).
-- Outcomes: 'ok' (a session for `p_token`, and the user), 'bad' (unknown name, wrong
-- password, disabled: one answer), 'wait' (too many failures from this address, or overall:
-- `retry_after` seconds; the password is not even checked). No account is ever locked.
CREATE FUNCTION minqing_sign_in(
    p_username text, p_proof text, p_token text, p_client text,
    p_idle_minutes integer, p_absolute_hours integer
) RETURNS TABLE (outcome text, retry_after double precision, username text, role text,
                 area_code text, area_level text, center_code text, display_name text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rules    minqing_private.login_policy;
    v_client text := left(coalesce(nullif(p_client, ''), 'unknown'), 100);
    v_name   text := left(coalesce(p_username, ''), 200);
    v_clock  timestamptz := clock_timestamp();
    n        integer;
    last_at  timestamptz;
    oldest   timestamptz;
    wait     double precision := 0;
    u        record;
    good     boolean;
BEGIN
    SELECT * INTO rules FROM minqing_private.login_policy;
    -- One attempt at a time per address, so parallel guesses queue instead of slipping past.
    PERFORM pg_advisory_xact_lock(hashtextextended('minqing login ' || v_client, 0));
    SELECT count(*), max(f.at) INTO n, last_at FROM minqing_private.login_failures f
    WHERE f.client = v_client AND f.at > v_clock - make_interval(mins => rules.window_minutes);
    IF n >= rules.free_failures THEN
        wait := extract(epoch FROM last_at - v_clock) + least(rules.max_delay_seconds,
                rules.base_delay_seconds * 2 ^ least(n - rules.free_failures, 30));
    END IF;
    SELECT count(*), min(f.at) INTO n, oldest FROM minqing_private.login_failures f
    WHERE f.at > v_clock - interval '1 minute';
    IF n >= rules.overall_per_minute THEN
        wait := greatest(wait, extract(epoch FROM oldest + interval '1 minute' - v_clock));
    END IF;
    IF wait > 0 THEN
        PERFORM minqing_private.audit(v_name, 'login_failed', v_name,
            jsonb_build_object('reason', 'throttled', 'retry_after', round(wait::numeric, 1)),
            v_client);
        RETURN QUERY SELECT 'wait'::text, wait, NULL::text, NULL::text, NULL::text, NULL::text,
                            NULL::text, NULL::text;
        RETURN;
    END IF;
    SELECT a.username, a.role, a.area_code, a.area_level, a.center_code, a.display_name,
           a.password_hash, a.disabled
    INTO u FROM public.users a WHERE a.username = v_name;
    good := FOUND AND NOT u.disabled AND CASE
        WHEN coalesce(p_proof, '') ~ '^[0-9a-f]{64}$' THEN
            split_part(u.password_hash, '$', 6) = encode(sha256(decode(p_proof, 'hex')), 'hex')
        ELSE false END;
    IF NOT good THEN
        INSERT INTO minqing_private.login_failures (at, client) VALUES (v_clock, v_client);
        DELETE FROM minqing_private.login_failures WHERE at < v_clock - interval '1 day';
        PERFORM minqing_private.audit(v_name, 'login_failed', v_name, jsonb_build_object('reason',
            CASE WHEN u.username IS NULL THEN 'unknown user'
                 WHEN u.disabled THEN 'disabled'
                 WHEN u.password_hash IS NULL THEN 'no password'
                 ELSE 'wrong password' END), v_client);
        RETURN QUERY SELECT 'bad'::text, 0::double precision, NULL::text, NULL::text,
                            NULL::text, NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    PERFORM minqing_private.open_session(u.username, p_token, v_client, p_idle_minutes,
                                         p_absolute_hours);
    PERFORM minqing_private.audit(u.username, 'login', u.username,
                                  '{"method": "password"}', v_client);
    RETURN QUERY SELECT 'ok'::text, 0::double precision, u.username, u.role, u.area_code,
                        u.area_level, u.center_code, u.display_name;
END
$$;

-- A session for the user a trusted SSO gateway names (the dashboard has checked that the
-- request came from the gateway). Refused unless SSO is configured (login_policy.sso_enabled);
-- no row for an unknown or disabled user.
CREATE FUNCTION minqing_sso_session(
    p_username text, p_token text, p_client text, p_idle_minutes integer,
    p_absolute_hours integer
) RETURNS TABLE (username text, role text, area_code text, area_level text,
                 center_code text, display_name text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    u record;
BEGIN
    IF NOT (SELECT sso_enabled FROM minqing_private.login_policy) THEN
        RAISE EXCEPTION 'single sign-on is not configured' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT a.username, a.role, a.area_code, a.area_level, a.center_code, a.display_name
    INTO u FROM public.users a WHERE a.username = p_username AND NOT a.disabled;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM minqing_private.open_session(u.username, p_token, p_client, p_idle_minutes,
                                         p_absolute_hours);
    PERFORM minqing_private.audit(u.username, 'login', u.username,
                                  '{"method": "trusted_header"}', p_client);
    RETURN QUERY SELECT u.username, u.role, u.area_code, u.area_level, u.center_code,
                        u.display_name;
END
$$;

-- Changes to users: by an admin's session, or by the owner (the command line), audited.
CREATE FUNCTION minqing_private.require_admin() RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT (minqing_owner_session() OR coalesce(minqing_ctx_role() = 'admin', false)) THEN
        RAISE EXCEPTION 'only an administrator may change users'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

CREATE FUNCTION minqing_add_user(
    p_username text, p_display_name text, p_role text, p_area_code text, p_area_level text,
    p_center_code text, p_password_hash text, p_actor text, p_client text
) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM minqing_private.require_admin();
    INSERT INTO public.users (username, display_name, role, area_code, area_level, center_code,
                              password_hash)
    VALUES (p_username, p_display_name, p_role, p_area_code, p_area_level, p_center_code,
            p_password_hash);
    PERFORM minqing_private.audit(minqing_private.acting(p_actor), 'user_add', p_username,
        jsonb_build_object('role', p_role, 'area_code', p_area_code,
                           'center_code', p_center_code), p_client);
END
$$;

CREATE FUNCTION minqing_set_user_disabled(
    p_username text, p_disabled boolean, p_actor text, p_client text
) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM minqing_private.require_admin();
    UPDATE public.users SET disabled = p_disabled, updated_at = now()
    WHERE username = p_username;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF p_disabled THEN
        UPDATE public.user_sessions SET revoked_at = now()
        WHERE username = p_username AND revoked_at IS NULL;
    END IF;
    PERFORM minqing_private.audit(minqing_private.acting(p_actor),
        CASE WHEN p_disabled THEN 'user_disable' ELSE 'user_enable' END, p_username, '{}',
        p_client);
    RETURN true;
END
$$;

CREATE FUNCTION minqing_set_user_password(
    p_username text, p_password_hash text, p_actor text, p_client text
) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM minqing_private.require_admin();
    UPDATE public.users SET password_hash = p_password_hash, updated_at = now()
    WHERE username = p_username;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE public.user_sessions SET revoked_at = now()
    WHERE username = p_username AND revoked_at IS NULL;
    PERFORM minqing_private.audit(minqing_private.acting(p_actor), 'user_password', p_username,
                                  '{}', p_client);
    RETURN true;
END
$$;

-- Statements an interrupted seed left for `migrate` (geo/deferred.py): until they are done
-- the figures are incomplete, and every page says so.
CREATE FUNCTION minqing_deferred_pending() RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT count(*)::integer FROM public.deferred_statements
    $$;

-- Statistics of the areas after a publication (only the owner may ANALYZE a table).
CREATE FUNCTION minqing_analyze_areas() RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT (public.minqing_owner_session() OR public.minqing_may_publish()) THEN
        RAISE EXCEPTION 'only GIS staff and administrators publish boundaries'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    ANALYZE public.areas;
END
$$;

-- Privileges of the app. Users, sessions and the throttle: only through the functions above;
-- admins read users (no hash) and the audit log; GIS staff and admins the boundary events.
REVOKE ALL ON users, user_sessions FROM minqing_app;
GRANT SELECT (username, display_name, role, area_code, area_level, center_code, disabled,
              created_at, updated_at, has_password) ON users TO minqing_app;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_admin ON users FOR SELECT TO minqing_app
    USING ((SELECT minqing_ctx_role()) = 'admin');

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_admin ON audit_log FOR SELECT TO minqing_app
    USING ((SELECT minqing_ctx_role()) = 'admin');
-- The app writes entries only in the name of the person it acts for.
CREATE POLICY audit_log_own_entries ON audit_log FOR INSERT TO minqing_app
    WITH CHECK (actor = (SELECT minqing_ctx_user()));

-- Boundary publication and rollback run on the page as the app (city scope, GIS staff or admin),
-- no longer as the owner.
ALTER TABLE areas ENABLE ROW LEVEL SECURITY;
CREATE POLICY areas_read ON areas FOR SELECT TO minqing_app USING (true);
CREATE POLICY areas_publish ON areas FOR INSERT TO minqing_app
    WITH CHECK ((SELECT minqing_may_publish()));
CREATE POLICY areas_publish_update ON areas FOR UPDATE TO minqing_app
    USING ((SELECT minqing_may_publish()));
ALTER TABLE boundary_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY boundary_versions_read ON boundary_versions FOR SELECT TO minqing_app USING (true);
CREATE POLICY boundary_versions_publish ON boundary_versions FOR INSERT TO minqing_app
    WITH CHECK ((SELECT minqing_may_publish()));
CREATE POLICY boundary_versions_publish_update ON boundary_versions FOR UPDATE TO minqing_app
    USING ((SELECT minqing_may_publish()));
ALTER TABLE boundary_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY boundary_events_read ON boundary_events FOR SELECT TO minqing_app
    USING ((SELECT minqing_ctx_role()) IN ('gis_staff', 'admin'));
CREATE POLICY boundary_events_publish ON boundary_events FOR INSERT TO minqing_app
    WITH CHECK ((SELECT minqing_may_publish()));
ALTER TABLE boundary_field_mappings ENABLE ROW LEVEL SECURITY;
CREATE POLICY boundary_field_mappings_read ON boundary_field_mappings FOR SELECT TO minqing_app
    USING (true);
CREATE POLICY boundary_field_mappings_publish ON boundary_field_mappings FOR INSERT
    TO minqing_app WITH CHECK ((SELECT minqing_may_publish()));
CREATE POLICY boundary_field_mappings_publish_update ON boundary_field_mappings FOR UPDATE
    TO minqing_app USING ((SELECT minqing_may_publish()));
CREATE POLICY boundary_unplaced_publish ON boundary_unplaced_incidents AS RESTRICTIVE
    FOR INSERT TO minqing_app WITH CHECK ((SELECT minqing_may_publish()));
CREATE POLICY boundary_unplaced_publish_delete ON boundary_unplaced_incidents AS RESTRICTIVE
    FOR DELETE TO minqing_app USING ((SELECT minqing_may_publish()));
GRANT INSERT, UPDATE ON areas, boundary_versions, boundary_field_mappings TO minqing_app;
GRANT INSERT ON boundary_events TO minqing_app;
GRANT INSERT, DELETE ON boundary_unplaced_incidents TO minqing_app;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA minqing_private FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION minqing_enter_session(text, boolean), minqing_sign_out(text, text),
    minqing_login_salt(text), minqing_sign_in(text, text, text, text, integer, integer),
    minqing_sso_session(text, text, text, integer, integer),
    minqing_add_user(text, text, text, text, text, text, text, text, text),
    minqing_set_user_disabled(text, boolean, text, text),
    minqing_set_user_password(text, text, text, text), minqing_deferred_pending(),
    minqing_analyze_areas(), minqing_context() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION minqing_enter_session(text, boolean), minqing_sign_out(text, text),
    minqing_login_salt(text), minqing_sign_in(text, text, text, text, integer, integer),
    minqing_sso_session(text, text, text, integer, integer),
    minqing_add_user(text, text, text, text, text, text, text, text, text),
    minqing_set_user_disabled(text, boolean, text, text),
    minqing_set_user_password(text, text, text, text), minqing_deferred_pending(),
    minqing_analyze_areas(), minqing_context() TO minqing_app;
