-- Intake: the rows stored already from the same source (as an incident or a linked report).
CREATE TEMP TABLE ingest_known ON COMMIT DROP AS
SELECT r.line
FROM ingest_rows r
WHERE r.outcome IS NULL
  AND (EXISTS (SELECT 1 FROM incidents i
               WHERE i.source = r.source AND i.source_id = r.source_id
                 AND i.source_id IS NOT NULL)
       OR EXISTS (SELECT 1 FROM incident_links l
                  WHERE l.source = r.source AND l.source_id = r.source_id
                    AND l.source_id IS NOT NULL));
ALTER TABLE ingest_known ADD PRIMARY KEY (line)
