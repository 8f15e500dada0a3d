-- Incidents matching the filter stored after incident %(after)s (ids only grow), newest
-- first, at most %(limit)s: what arrived since the last refresh.
SELECT i.id, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.source, i.category, i.subcategory,
       i.status, i.severity, i.is_major_risk, i.reported_at, i.deadline_at, i.address,
       i.description, i.grid_code
FROM incidents i
WHERE {conditions} AND i.id > %(after)s
ORDER BY i.id DESC
LIMIT %(limit)s
