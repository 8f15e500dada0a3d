-- The centers handling the cases matching {conditions}: per center, the cases it holds open
-- at %(end)s and those past their deadline (a case counts with the center that holds it now),
-- the cases it concluded in [%(start)s, %(end)s) and their mean handling time in hours.
WITH open_cases AS (
    SELECT i.assigned_center, count(*) AS open,
           count(*) FILTER (WHERE i.deadline_at < %(end)s) AS overdue
    FROM incidents i
    WHERE {conditions} AND i.reported_at < %(end)s
      AND (i.resolved_at IS NULL OR i.resolved_at >= %(end)s)
      AND i.assigned_center IS NOT NULL
    GROUP BY 1
), concluded AS (
    SELECT i.assigned_center, count(*) AS concluded,
           avg(extract(epoch FROM i.resolved_at - i.reported_at) / 3600) AS mean_hours
    FROM incidents i
    WHERE {conditions} AND i.resolved_at >= %(start)s AND i.resolved_at < %(end)s
      AND i.assigned_center IS NOT NULL
    GROUP BY 1
)
SELECT c.code, c.name, c.level, coalesce(o.open, 0) AS open,
       coalesce(o.overdue, 0) AS overdue, coalesce(d.concluded, 0) AS concluded,
       d.mean_hours::float8 AS mean_hours
FROM centers c
LEFT JOIN open_cases o ON o.assigned_center = c.code
LEFT JOIN concluded d ON d.assigned_center = c.code
WHERE o.assigned_center IS NOT NULL OR d.assigned_center IS NOT NULL
