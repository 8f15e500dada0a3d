-- Intake: the rows stored already from the same source (as an incident or a linked report),
-- each looked up by its (source, source id) (migration 220).
CREATE TEMP TABLE ingest_known ON COMMIT DROP AS
SELECT r.line
FROM ingest_rows r
CROSS JOIN LATERAL minqing_stored_before(r.source, r.source_id) stored_before
WHERE r.outcome IS NULL;
ALTER TABLE ingest_known ADD PRIMARY KEY (line)
