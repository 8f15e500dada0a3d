-- Cases matching the filter concluded (resolved_at) in [%(lo)s, %(hi)s) per assigned center
-- and in total (the row whose `grouping` is 1): how many, how many resolved, how many after
-- their deadline, and the sum of their handling times in hours.
SELECT GROUPING(i.assigned_center) AS grouping, i.assigned_center,
       count(*) AS concluded,
       count(*) FILTER (WHERE i.result = 'resolved') AS resolved,
       count(*) FILTER (WHERE i.resolved_at > i.deadline_at) AS late,
       coalesce(sum(extract(epoch FROM i.resolved_at - i.reported_at) / 3600), 0)::float8 AS hours
FROM incidents i
WHERE {conditions} AND i.resolved_at >= %(lo)s AND i.resolved_at < %(hi)s
GROUP BY ROLLUP (i.assigned_center)
