-- Intake: a report already stored from the same source (as an incident or a linked report)
-- is a duplicate.
UPDATE ingest_rows r
SET outcome = 'duplicate'
WHERE r.outcome IS NULL
  AND (EXISTS (SELECT 1 FROM incidents i
               WHERE i.source = r.source AND i.source_id = r.source_id
                 AND i.source_id IS NOT NULL)
       OR EXISTS (SELECT 1 FROM incident_links l
                  WHERE l.source = r.source AND l.source_id = r.source_id
                    AND l.source_id IS NOT NULL))
