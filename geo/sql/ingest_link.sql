-- Intake: a report of an event already open as an incident from another source (same
-- category, within the link distance in metres and hours either side) belongs to the nearest
-- such incident instead of becoming a second case (found by minqing_open_case_near, migration
-- 094: through the open cases' spatial index, in the transaction's area scope).
CREATE TEMP TABLE ingest_matches ON COMMIT DROP AS
SELECT r.line, near.id AS link_to, near.distance AS link_distance
FROM ingest_rows r
JOIN ingest_points p ON p.line = r.line
JOIN ingest_grids g ON g.line = r.line
CROSS JOIN LATERAL minqing_open_case_near(
    p.geom, %(distance)s, r.category, r.source,
    r.reported_at - make_interval(secs => %(hours)s * 3600),
    r.reported_at + make_interval(secs => %(hours)s * 3600)) near
WHERE r.outcome IS NULL AND NOT EXISTS (SELECT 1 FROM ingest_known k WHERE k.line = r.line);
ALTER TABLE ingest_matches ADD PRIMARY KEY (line)
