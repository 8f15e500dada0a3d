-- The core schema: versioned boundaries, the area tree, centers, incidents and their events.
-- Coordinates are CGCS2000 (EPSG:4490). Times are timestamptz (stored in UTC, shown in CST).

CREATE EXTENSION IF NOT EXISTS postgis;

-- A published set of boundaries. Exactly one version is current; old ones are kept.
CREATE TABLE boundary_versions (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    source      text NOT NULL,
    note        text NOT NULL DEFAULT '',
    diff        jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_current  boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX boundary_versions_one_current ON boundary_versions (is_current) WHERE is_current;

CREATE TABLE area_levels (
    level  text PRIMARY KEY,
    depth  smallint NOT NULL UNIQUE,
    name_zh text NOT NULL
);
INSERT INTO area_levels (level, depth, name_zh) VALUES
    ('city', 0, '市'), ('district', 1, '区县'), ('street', 2, '街道(乡镇)'),
    ('community', 3, '社区(村)'), ('grid', 4, '网格');

-- One nested tree per boundary version: city > district > street > community > grid.
CREATE TABLE areas (
    version_id   integer NOT NULL REFERENCES boundary_versions (id),
    code         text NOT NULL CHECK (code ~ '^[0-9A-Za-z_-]{1,40}$'),
    parent_code  text,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    level        text NOT NULL REFERENCES area_levels (level),
    depth        smallint NOT NULL GENERATED ALWAYS AS (
        CASE level WHEN 'city' THEN 0 WHEN 'district' THEN 1 WHEN 'street' THEN 2
                   WHEN 'community' THEN 3 WHEN 'grid' THEN 4 END) STORED,
    parent_depth smallint GENERATED ALWAYS AS (
        CASE level WHEN 'city' THEN NULL WHEN 'district' THEN 0 WHEN 'street' THEN 1
                   WHEN 'community' THEN 2 WHEN 'grid' THEN 3 END) STORED,
    kind         text CHECK (kind IN ('urban', 'rural', 'dedicated')),
    population   integer NOT NULL DEFAULT 0 CHECK (population >= 0),
    geom         geometry(MultiPolygon, 4490) NOT NULL,
    PRIMARY KEY (version_id, code),
    UNIQUE (version_id, code, depth),
    -- a child's level is exactly one below its parent's
    FOREIGN KEY (version_id, parent_code, parent_depth)
        REFERENCES areas (version_id, code, depth) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT areas_root_has_no_parent CHECK ((level = 'city') = (parent_code IS NULL)),
    CONSTRAINT areas_kind_only_on_grids CHECK ((level = 'grid') = (kind IS NOT NULL)),
    CONSTRAINT areas_geom_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    -- Lanzhou's extent with a margin; a deployment for another city replaces this bound.
    CONSTRAINT areas_geom_in_city_extent CHECK (
        geom @ ST_MakeEnvelope(102.0, 35.0, 105.2, 37.8, 4490))
);
CREATE INDEX areas_geom_idx ON areas USING gist (geom);
CREATE INDEX areas_parent_idx ON areas (version_id, parent_code);
CREATE INDEX areas_level_idx ON areas (version_id, level);

CREATE VIEW current_areas AS
SELECT a.* FROM areas a JOIN boundary_versions v ON v.id = a.version_id AND v.is_current;

CREATE TABLE center_levels (
    level      text PRIMARY KEY,
    rank       smallint NOT NULL UNIQUE,
    area_level text NOT NULL UNIQUE REFERENCES area_levels (level),
    name_zh    text NOT NULL
);
INSERT INTO center_levels (level, rank, area_level, name_zh) VALUES
    ('workstation', 1, 'community', '工作站'), ('command_post', 2, 'street', '指挥所'),
    ('sub_center', 3, 'district', '分中心'), ('city_center', 4, 'city', '社会治理中心');

-- The four-level command system. A center serves one area (by code).
CREATE TABLE centers (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9A-Za-z_-]{1,40}$'),
    name        text NOT NULL,
    level       text NOT NULL REFERENCES center_levels (level),
    area_code   text NOT NULL,
    parent_code text REFERENCES centers (code),
    geom        geometry(Point, 4490) NOT NULL,
    CONSTRAINT centers_root_has_no_parent CHECK ((level = 'city_center') = (parent_code IS NULL)),
    CONSTRAINT centers_geom_in_city_extent CHECK (
        geom @ ST_MakeEnvelope(102.0, 35.0, 105.2, 37.8, 4490))
);
CREATE INDEX centers_area_idx ON centers (area_code);
CREATE INDEX centers_geom_idx ON centers USING gist (geom);

CREATE TABLE incident_sources (
    source  text PRIMARY KEY,
    name_zh text NOT NULL
);
INSERT INTO incident_sources (source, name_zh) VALUES
    ('hotline_12345', '12345热线'), ('police_110', '110警情'), ('letters_visits', '信访'),
    ('petition', '来信来访'), ('online_message', '网络留言'), ('grid_patrol', '网格员巡查'),
    ('mini_program', '小程序随手拍'), ('court_case', '法院民商事案件');

CREATE TABLE incident_statuses (
    status  text PRIMARY KEY,
    is_open boolean NOT NULL,
    name_zh text NOT NULL
);
INSERT INTO incident_statuses (status, is_open, name_zh) VALUES
    ('reported', true, '已上报'), ('assigned', true, '已交办'), ('in_progress', true, '办理中'),
    ('resolved', false, '已办结'), ('closed', false, '已反馈归档');

-- Residents' requests and disputes. The grid (and its parents) are assigned when an incident
-- is stored, never at query time.
CREATE TABLE incidents (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    source          text NOT NULL REFERENCES incident_sources (source),
    category        text NOT NULL,
    subcategory     text NOT NULL DEFAULT '',
    severity        smallint NOT NULL CHECK (severity BETWEEN 1 AND 4),
    is_major_risk   boolean NOT NULL DEFAULT false,
    description     text NOT NULL DEFAULT '',
    address         text NOT NULL DEFAULT '',
    geom            geometry(Point, 4490) NOT NULL,
    grid_code       text NOT NULL,
    community_code  text NOT NULL,
    street_code     text NOT NULL,
    district_code   text NOT NULL,
    reported_at     timestamptz NOT NULL,
    deadline_at     timestamptz NOT NULL,
    status          text NOT NULL REFERENCES incident_statuses (status),
    assigned_center text REFERENCES centers (code),
    handling_level  text REFERENCES center_levels (level),
    escalations     smallint NOT NULL DEFAULT 0 CHECK (escalations >= 0),
    resolved_at     timestamptz,
    closed_at       timestamptz,
    result          text CHECK (result IN ('resolved', 'unresolved', 'withdrawn')),
    CONSTRAINT incidents_deadline_after_report CHECK (deadline_at > reported_at),
    CONSTRAINT incidents_resolved_after_report CHECK (resolved_at IS NULL OR resolved_at >= reported_at),
    CONSTRAINT incidents_closed_after_resolved CHECK (
        closed_at IS NULL OR (resolved_at IS NOT NULL AND closed_at >= resolved_at)),
    CONSTRAINT incidents_result_when_done CHECK (
        (status IN ('resolved', 'closed')) = (result IS NOT NULL AND resolved_at IS NOT NULL)),
    CONSTRAINT incidents_geom_in_city_extent CHECK (
        geom @ ST_MakeEnvelope(102.0, 35.0, 105.2, 37.8, 4490))
);
CREATE INDEX incidents_reported_brin ON incidents USING brin (reported_at);
CREATE INDEX incidents_grid_idx ON incidents (grid_code, reported_at);
CREATE INDEX incidents_district_idx ON incidents (district_code, reported_at);
CREATE INDEX incidents_street_idx ON incidents (street_code, reported_at);
CREATE INDEX incidents_open_idx ON incidents (grid_code, deadline_at)
    WHERE status IN ('reported', 'assigned', 'in_progress');
CREATE INDEX incidents_geom_idx ON incidents USING gist (geom);

-- Every status transition of a case, so its history is never lost.
CREATE TABLE incident_events (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES incidents (id),
    at          timestamptz NOT NULL,
    action      text NOT NULL CHECK (action IN (
        'reported', 'assigned', 'accepted', 'escalated', 'returned', 'urged', 'supervised',
        'resolved', 'closed', 'reopened')),
    from_status text REFERENCES incident_statuses (status),
    to_status   text NOT NULL REFERENCES incident_statuses (status),
    actor       text NOT NULL,
    center_code text REFERENCES centers (code),
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at);
CREATE INDEX incident_events_at_brin ON incident_events USING brin (at);
