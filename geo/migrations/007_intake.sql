-- Intake (issue 6, part 1): incidents imported from the eight sources' exports.
--
-- New columns are nullable without defaults, so adding them rewrites nothing and the demo
-- seed's COPY is as fast as before. No row triggers are added.

-- The id the source system gave the report (工单编号, 警情编号, 信访件编号 …) and what the
-- reporter left for a call back. The reporter's phone and ID number are personal data; the
-- row-level security migration masks them for the roles that do not need them.
ALTER TABLE incidents
    ADD COLUMN source_id          text,
    ADD COLUMN reporter_name      text,
    ADD COLUMN reporter_phone     text,
    ADD COLUMN reporter_id_number text;

-- A report that comes in twice from the same source is stored once.
CREATE UNIQUE INDEX incidents_source_id_key ON incidents (source, source_id)
    WHERE source_id IS NOT NULL;

-- The same event reported through another source (a 110 call and a 12345 call about the same
-- fight) is one case: the first report is the incident, every later report of it from
-- another source is kept here, linked to that incident. Linked reports are not incidents, so
-- every count, rollup and map layer counts the case once; the case desk lists them with it.
CREATE TABLE incident_links (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id        bigint NOT NULL REFERENCES incidents (id),
    source             text NOT NULL REFERENCES incident_sources (source),
    source_id          text,
    category           text NOT NULL,
    subcategory        text NOT NULL DEFAULT '',
    severity           smallint NOT NULL CHECK (severity BETWEEN 1 AND 4),
    description        text NOT NULL DEFAULT '',
    address            text NOT NULL DEFAULT '',
    geom               geometry(Point, 4490) NOT NULL,
    reported_at        timestamptz NOT NULL,
    reporter_name      text,
    reporter_phone     text,
    reporter_id_number text,
    distance_m         double precision NOT NULL CHECK (distance_m >= 0),
    linked_at          timestamptz NOT NULL DEFAULT now(),
    linked_by          text NOT NULL
);
CREATE INDEX incident_links_incident_idx ON incident_links (incident_id);
CREATE UNIQUE INDEX incident_links_source_id_key ON incident_links (source, source_id)
    WHERE source_id IS NOT NULL;

-- Known addresses and where they stand, to place a report that comes without a point.
-- `address_key` is the address normalised (geo/ingest/records.py: NFKC, no blanks).
-- Filled by imports from their rows with a point (the first point of an address is kept) and,
-- when it is empty at the first import that needs it, from the addresses of stored incidents.
CREATE TABLE address_gazetteer (
    address_key text PRIMARY KEY,
    address     text NOT NULL,
    geom        geometry(Point, 4490) NOT NULL,
    grid_code   text,
    added_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT address_gazetteer_geom_in_city_extent CHECK (
        geom @ ST_MakeEnvelope(102.0, 35.0, 105.2, 37.8, 4490))
);
