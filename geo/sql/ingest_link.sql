-- Intake: a report of an event already open as an incident from another source (same
-- category, within the link distance in metres and hours either side) belongs to the nearest
-- such incident instead of becoming a second case.
CREATE TEMP TABLE ingest_matches ON COMMIT DROP AS
SELECT r.line, near.id AS link_to, near.distance AS link_distance
FROM ingest_rows r
JOIN ingest_points p ON p.line = r.line
JOIN ingest_grids g ON g.line = r.line
CROSS JOIN LATERAL (
    SELECT i.id, ST_Distance(i.geom::geography, p.geom::geography) AS distance
    FROM incidents i
    WHERE i.status IN ('reported', 'assigned', 'in_progress')
      AND i.source <> r.source AND i.category = r.category
      AND i.reported_at BETWEEN r.reported_at - make_interval(secs => %(hours)s * 3600)
                            AND r.reported_at + make_interval(secs => %(hours)s * 3600)
      AND i.geom && ST_Expand(p.geom, %(distance)s / 80000.0)
      AND ST_DWithin(i.geom::geography, p.geom::geography, %(distance)s)
    ORDER BY distance, i.id
    LIMIT 1
) near
WHERE r.outcome IS NULL AND NOT EXISTS (SELECT 1 FROM ingest_known k WHERE k.line = r.line);
ALTER TABLE ingest_matches ADD PRIMARY KEY (line)
