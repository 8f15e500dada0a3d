-- Intake: a report of an event already open as an incident from another source (same
-- category, within %(distance)s metres and %(hours)s hours either side) is linked to the
-- nearest such incident instead of becoming a second case.
UPDATE ingest_rows r
SET outcome = 'linked', link_to = m.id, link_distance = m.distance
FROM (
    SELECT r.line, near.id, near.distance
    FROM ingest_rows r
    CROSS JOIN LATERAL (
        SELECT i.id, ST_Distance(i.geom::geography, r.geom::geography) AS distance
        FROM incidents i
        WHERE i.status IN ('reported', 'assigned', 'in_progress')
          AND i.source <> r.source AND i.category = r.category
          AND i.reported_at BETWEEN r.reported_at - make_interval(secs => %(hours)s * 3600)
                                AND r.reported_at + make_interval(secs => %(hours)s * 3600)
          AND i.geom && ST_Expand(r.geom, %(distance)s / 80000.0)
          AND ST_DWithin(i.geom::geography, r.geom::geography, %(distance)s)
        ORDER BY distance, i.id
        LIMIT 1
    ) near
    WHERE r.outcome IS NULL
) m
WHERE m.line = r.line
