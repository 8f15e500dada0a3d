-- The other open cases in the box around a case (as far as the reader's scope shows them):
-- overdue first, then major risks, at most %(limit)s.
SELECT i.id, ST_X(i.geom), ST_Y(i.geom), i.category, i.status, i.reported_at, i.address,
       i.deadline_at < %(now)s AS overdue
FROM incidents i
WHERE i.geom && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4490)
  AND i.status IN ('reported', 'assigned', 'in_progress') AND i.id <> %(id)s
ORDER BY (i.deadline_at < %(now)s) DESC, i.is_major_risk DESC, i.deadline_at, i.id
LIMIT %(limit)s
