-- Users, their server-side sessions, and the append-only audit log (issue 7).

CREATE TABLE users (
    username        text PRIMARY KEY CHECK (username ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role            text NOT NULL CHECK (role IN ('operator', 'leader', 'gis_staff', 'admin')),
    area_code       text NOT NULL CHECK (area_code ~ '^[0-9A-Za-z_-]{1,40}$'),
    area_level      text NOT NULL CHECK (area_level IN ('city', 'district', 'street', 'community')),
    -- Checked against centers when set (no foreign key: reseeding centers keeps the users).
    center_code     text CHECK (center_code ~ '^[0-9A-Za-z_-]{1,40}$'),
    -- NULL for a user who signs in only through the SSO gateway.
    password_hash   text,
    disabled        boolean NOT NULL DEFAULT false,
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A session is a random token held by the browser; only its SHA-256 is stored.
CREATE TABLE user_sessions (
    token_hash   text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    username     text NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    client       text
);
CREATE INDEX user_sessions_user_idx ON user_sessions (username) WHERE revoked_at IS NULL;

CREATE TABLE audit_log (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text NOT NULL,
    action  text NOT NULL CHECK (action ~ '^[a-z_.]{1,40}$'),
    target  text NOT NULL DEFAULT '',
    detail  jsonb NOT NULL DEFAULT '{}'::jsonb,
    client  text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);
CREATE INDEX audit_log_action_idx ON audit_log (action, at);

-- Append-only for everyone: the app role also has no UPDATE or DELETE privilege on it.
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- When the app's role already exists (it is created by the row-level security migration),
-- give it what it needs here; that migration grants the same when it runs later.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'minqing_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON users, user_sessions TO minqing_app;
        GRANT SELECT, INSERT ON audit_log TO minqing_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM minqing_app;
    END IF;
END
$$;
