-- Intake: the rows of one import, checked in Python, placed, deduplicated, linked and routed
-- here set by set before they are stored.
CREATE TEMP TABLE ingest_rows (
    line               integer PRIMARY KEY,
    source             text NOT NULL,
    source_id          text NOT NULL,
    category           text NOT NULL,
    subcategory        text NOT NULL,
    severity           smallint NOT NULL,
    is_major_risk      boolean NOT NULL,
    description        text NOT NULL,
    address            text NOT NULL,
    address_key        text NOT NULL,
    lon                double precision,
    lat                double precision,
    reported_at        timestamptz NOT NULL,
    deadline_at        timestamptz NOT NULL,
    reporter_name      text,
    reporter_phone     text,
    reporter_id_number text,
    start_level        smallint NOT NULL,
    geom               geometry(Point, 4490),
    placed_by          text,
    grid_code          text,
    community_code     text,
    street_code        text,
    district_code      text,
    outcome            text,  -- rejected reason, 'duplicate', 'linked' or 'new'
    link_to            bigint,
    link_distance      double precision,
    center             text,
    handling_level     text
) ON COMMIT DROP
