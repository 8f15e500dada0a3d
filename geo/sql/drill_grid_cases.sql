-- The cases of grid %(code)s to draw: reported in [%(start)s, %(end)s) or still open at its end;
-- their state at the end (open, overdue, closed), newest first, at most %(limit)s.
SELECT i.id, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
       CASE WHEN i.resolved_at IS NOT NULL AND i.resolved_at < %(end)s THEN 'closed'
            WHEN i.deadline_at < %(end)s THEN 'overdue'
            ELSE 'open' END AS state,
       i.category, i.subcategory, i.source, i.status, i.reported_at, i.deadline_at,
       i.resolved_at, i.address, i.description, i.is_major_risk
FROM incidents i
WHERE i.grid_code = %(code)s
  AND i.reported_at < %(end)s
  AND (i.reported_at >= %(start)s OR i.resolved_at IS NULL OR i.resolved_at >= %(end)s)
ORDER BY i.reported_at DESC
LIMIT %(limit)s
