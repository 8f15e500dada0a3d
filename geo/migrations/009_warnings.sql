-- Early warnings (预警单, issue 6): work items raised by `minqing warnings scan` from the
-- incidents (rules in geo/rules/warnings.toml, documented in docs/warnings.md), each with its
-- map position, the figures behind it, a status and its own history.

CREATE TABLE warning_kinds (
    kind    text PRIMARY KEY,
    name_zh text NOT NULL
);
INSERT INTO warning_kinds (kind, name_zh) VALUES
    ('grid_surge', '网格诉求激增'), ('category_cluster', '同类事件聚集'),
    ('repeat_address', '同一地址重复报事'), ('major_risk_rise', '重大风险类别上升');

CREATE TABLE warning_statuses (
    status    text PRIMARY KEY,
    is_active boolean NOT NULL,
    name_zh   text NOT NULL
);
INSERT INTO warning_statuses (status, is_active, name_zh) VALUES
    ('new', true, '新预警'), ('acknowledged', true, '已签收'), ('assigned', true, '已交办'),
    ('closed', false, '已关闭');

CREATE TABLE warnings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL REFERENCES warning_kinds (kind),
    status          text NOT NULL DEFAULT 'new' REFERENCES warning_statuses (status),
    -- What makes two detections the same warning (kind + area + category/address): a re-scan
    -- updates the active warning of its key instead of raising another one.
    dedup_key       text NOT NULL CHECK (length(dedup_key) BETWEEN 1 AND 300),
    -- Where the warning sits, as on incidents (row-level security scopes both alike). A
    -- district-wide warning has only its district; the finer codes are then NULL.
    district_code   text NOT NULL,
    street_code     text,
    community_code  text,
    grid_code       text,
    geom            geometry(Point, 4490) NOT NULL,
    category        text,
    address         text,
    -- The rule's text key (the kind, whose zh/en template is in the rules file) and the numbers
    -- behind it (observed, baseline, ratio, radius, incident ids …), shown with the reason.
    reason          text NOT NULL,
    figures         jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The time window the rule looked at in the latest scan that found it.
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    detected_at     timestamptz NOT NULL,  -- first raised
    last_seen_at    timestamptz NOT NULL,  -- latest scan in which the rule still held
    assigned_center text REFERENCES centers (code),
    closed_at       timestamptz,
    CONSTRAINT warnings_window_order CHECK (window_end > window_start),
    CONSTRAINT warnings_seen_after_detected CHECK (last_seen_at >= detected_at),
    CONSTRAINT warnings_area_chain CHECK (
        (grid_code IS NULL OR community_code IS NOT NULL)
        AND (community_code IS NULL OR street_code IS NOT NULL)),
    CONSTRAINT warnings_assigned_has_center CHECK (status <> 'assigned' OR assigned_center IS NOT NULL),
    CONSTRAINT warnings_closed_when_closed CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CONSTRAINT warnings_geom_in_city_extent CHECK (
        geom @ ST_MakeEnvelope(102.0, 35.0, 105.2, 37.8, 4490))
);
-- One active warning per key: the scan upserts on this index.
CREATE UNIQUE INDEX warnings_active_key ON warnings (dedup_key) WHERE status <> 'closed';
-- A key closed lately is not raised again at once (reopen_after_hours in the rules file).
CREATE INDEX warnings_closed_key ON warnings (dedup_key, closed_at) WHERE status = 'closed';
CREATE INDEX warnings_active_idx ON warnings (district_code, detected_at) WHERE status <> 'closed';
CREATE INDEX warnings_detected_idx ON warnings (detected_at);

-- Every change of a warning's status, so its history is never lost.
CREATE TABLE warning_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    warning_id  bigint NOT NULL REFERENCES warnings (id),
    at          timestamptz NOT NULL,
    action      text NOT NULL CHECK (action IN ('raised', 'acknowledged', 'assigned', 'closed')),
    from_status text REFERENCES warning_statuses (status),
    to_status   text NOT NULL REFERENCES warning_statuses (status),
    actor       text NOT NULL CHECK (length(actor) BETWEEN 1 AND 100),
    center_code text REFERENCES centers (code),
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX warning_events_warning_idx ON warning_events (warning_id, at);
