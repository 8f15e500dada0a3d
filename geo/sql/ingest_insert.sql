-- Intake: the new incidents, status 'reported', each with its 'reported' event. The events are
-- a statement of their own: under row-level security (the app's role: the map service) an
-- event's check sees its incident only after the statement that stored the incident.
CREATE TEMP TABLE ingest_stored (
    id bigint, reported_at timestamptz, source_id text, assigned_center text
) ON COMMIT DROP;
WITH stored AS (
    INSERT INTO incidents (source, source_id, category, subcategory, source_category,
                           source_subcategory, severity, is_major_risk, description, address,
                           geom, grid_code, community_code, street_code, district_code,
                           reported_at, deadline_at, status, assigned_center, handling_level,
                           reporter_name, reporter_phone, reporter_id_number)
    SELECT source, source_id, category, subcategory, source_category, source_subcategory,
           severity, is_major_risk, description, address, geom, grid_code, community_code,
           street_code, district_code, reported_at, deadline_at, 'reported', center,
           handling_level, reporter_name, reporter_phone, reporter_id_number
    FROM ingest_final
    WHERE outcome = 'new'
    ORDER BY reported_at
    ON CONFLICT (source, source_id) WHERE source_id IS NOT NULL DO NOTHING
    RETURNING id, reported_at, source_id, assigned_center
)
INSERT INTO ingest_stored SELECT * FROM stored;
INSERT INTO incident_events (incident_id, at, action, from_status, to_status, actor,
                             center_code, note)
SELECT id, reported_at, 'reported', NULL, 'reported', %(actor)s, assigned_center,
       %(note)s || source_id
FROM ingest_stored
