-- The map service (issue 16): API clients, receipts of pushed reports, and a change feed
-- cursor on case events. See docs/api.md.

-- Accounts of other systems (a source's system, the province's platform, a district's GIS).
-- A client works like a signed-in page: as minqing_app, in a transaction scoped to its area.
-- Only the SHA-256 of its token is stored (the token is 32 random bytes, shown once).
CREATE TABLE api_clients (
    name            text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    role            text NOT NULL CHECK (role IN ('reader', 'source')),
    area_level      text NOT NULL CHECK (area_level IN ('city', 'district', 'street', 'community')),
    area_code       text NOT NULL CHECK (area_code ~ '^[0-9A-Za-z_-]{1,40}$'),
    -- the sources a 'source' client may push reports for (and follow in the change feed)
    sources         text[] NOT NULL DEFAULT '{}',
    rate_per_minute integer NOT NULL CHECK (rate_per_minute BETWEEN 1 AND 1000000),
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    disabled        boolean NOT NULL DEFAULT false,
    note            text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_clients_source_has_sources CHECK (role <> 'source' OR cardinality(sources) > 0),
    CONSTRAINT api_clients_known_sources CHECK (
        sources <@ ARRAY['hotline_12345', 'police_110', 'letters_visits', 'petition',
                         'online_message', 'grid_patrol', 'mini_program', 'court_case'])
);

-- One row per pushed report that became (or joined) a case: the hash of what was sent, so a
-- retry with the same id is answered with the same case and a different report under the same
-- id is refused. Visible to a client exactly when the case is (row-level security below).
CREATE TABLE api_intake_receipts (
    source       text NOT NULL REFERENCES incident_sources (source),
    source_id    text NOT NULL,
    content_hash text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    client       text NOT NULL,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_id)
);
CREATE INDEX api_intake_receipts_incident_idx ON api_intake_receipts (incident_id);

-- The change feed reads case events in the order their transactions began and only those of
-- transactions older than every one still running (pg_snapshot_xmin), so a cursor never
-- passes an event that commits later. Set on insert; rows older than this migration have none
-- (the feed starts here). No rewrite: the column is added empty and the default set after.
ALTER TABLE incident_events ADD COLUMN txid xid8;
ALTER TABLE incident_events ALTER COLUMN txid SET DEFAULT pg_current_xact_id();
CREATE INDEX incident_events_txid_idx ON incident_events (txid, id);

GRANT SELECT ON api_clients TO minqing_app;
GRANT SELECT, INSERT ON api_intake_receipts TO minqing_app;
-- Pushed reports go through the same intake as file imports, which learns addresses.
GRANT INSERT ON address_gazetteer TO minqing_app;

ALTER TABLE api_intake_receipts ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_intake_receipts_scope ON api_intake_receipts TO minqing_app
    USING (EXISTS (SELECT FROM incidents i WHERE i.id = incident_id))
    WITH CHECK (EXISTS (SELECT FROM incidents i WHERE i.id = incident_id));
