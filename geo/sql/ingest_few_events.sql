-- Intake of a few rows: the 'reported' event of each case ingest_few.sql stored (the
-- `stored` parameter, its JSON), a statement of its own: under row-level security an
-- event's check sees its incident only after the statement that stored the incident.
INSERT INTO incident_events (incident_id, at, action, from_status, to_status, actor,
                             center_code, note)
SELECT s.id, s.at, 'reported', NULL, 'reported', %(actor)s, s.center, %(note)s || s.source_id
FROM json_to_recordset(%(stored)s::json) AS s (id bigint, at timestamptz, source_id text,
                                               center text)
