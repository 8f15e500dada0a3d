-- Intake: the rows stored already from the same source (as an incident or a linked report),
-- each looked up by its (source, source id) (LIMIT keeps the planner from hashing every stored
-- source id of the source instead, as it did: 40,000 pushed ids read for a batch of 500).
CREATE TEMP TABLE ingest_known ON COMMIT DROP AS
SELECT r.line
FROM ingest_rows r
CROSS JOIN LATERAL (
    SELECT 1 FROM incidents i
    WHERE i.source = r.source AND i.source_id = r.source_id AND i.source_id IS NOT NULL
    UNION ALL
    SELECT 1 FROM incident_links l
    WHERE l.source = r.source AND l.source_id = r.source_id AND l.source_id IS NOT NULL
    LIMIT 1) stored_before
WHERE r.outcome IS NULL;
ALTER TABLE ingest_known ADD PRIMARY KEY (line)
