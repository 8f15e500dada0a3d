-- Boundary publication (issue 5): the audit trail of publications and rollbacks, the field
-- mapping each level's uploads used last, and incidents that no grid contains after a change.

-- One row per publication or rollback: who, when, which file, what changed.
CREATE TABLE boundary_events (
    id                  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                  timestamptz NOT NULL DEFAULT now(),
    action              text NOT NULL CHECK (action IN ('publish', 'rollback')),
    actor               text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    version_id          integer NOT NULL REFERENCES boundary_versions (id) ON DELETE CASCADE,
    previous_version_id integer REFERENCES boundary_versions (id) ON DELETE CASCADE,
    level               text REFERENCES area_levels (level),
    file_name           text NOT NULL DEFAULT '',
    file_sha256         text NOT NULL DEFAULT '',
    file_bytes          bigint NOT NULL DEFAULT 0 CHECK (file_bytes >= 0),
    note                text NOT NULL DEFAULT '',
    summary             jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX boundary_events_at_idx ON boundary_events (at DESC);

-- The attribute mapping last chosen for a level and a set of field names (remembered).
CREATE TABLE boundary_field_mappings (
    level      text NOT NULL REFERENCES area_levels (level),
    fields_key text NOT NULL,
    mapping    jsonb NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (level, fields_key)
);

-- Incidents that no grid of a version contains (nor one within the snapping distance) when
-- that version became current: assigned by the documented rule and kept here for review.
CREATE TABLE boundary_unplaced_incidents (
    version_id     integer NOT NULL REFERENCES boundary_versions (id) ON DELETE CASCADE,
    incident_id    bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    distance_m     real NOT NULL CHECK (distance_m >= 0),
    previous_grid  text NOT NULL,
    assigned_grid  text NOT NULL,
    PRIMARY KEY (version_id, incident_id)
);
