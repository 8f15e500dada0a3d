-- Intake: the rows of one import as checked in Python (`outcome` is 'duplicate' for a repeat
-- within the file, else NULL). Each later step makes a temporary table of its own from it
-- in one statement (no row is updated), and ingest_final.sql joins them.
CREATE TEMP TABLE ingest_rows (
    line               integer PRIMARY KEY,
    source             text NOT NULL,
    source_id          text NOT NULL,
    category           text NOT NULL,
    subcategory        text NOT NULL,
    source_category    text NOT NULL,
    source_subcategory text NOT NULL,
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
    outcome            text
) ON COMMIT DROP
