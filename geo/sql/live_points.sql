-- Incidents matching the filter reported in [%(lo)s, %(end)s), newest first, at most %(limit)s.
SELECT i.id, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.source, i.category, i.subcategory,
       i.status, i.severity, i.is_major_risk, i.reported_at, i.deadline_at, i.address,
       i.description, i.grid_code
FROM incidents i
WHERE {conditions} AND i.reported_at >= %(lo)s AND i.reported_at < %(end)s
ORDER BY i.reported_at DESC, i.id DESC
LIMIT %(limit)s
