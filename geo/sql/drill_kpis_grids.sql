-- Key figures of the incidents of a street, community or grid, given as its grids in
-- {conditions}: the same definitions as kpis.sql (tests/test_drill_figures.py checks that both
-- agree). Only the last condition is written differently, so that the planner finds the rows
-- through the grid index alone instead of AND-ing it with most of the resolution index.
SELECT {group_column} AS group_code,
       count(*) FILTER (WHERE i.reported_at >= %(start)s) AS new,
       count(*) FILTER (WHERE i.resolved_at IS NULL OR i.resolved_at >= %(end)s) AS open,
       count(*) FILTER (WHERE (i.resolved_at IS NULL OR i.resolved_at >= %(end)s)
                          AND i.deadline_at < %(end)s) AS overdue,
       count(*) FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s)
           AS concluded,
       count(*) FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s
                          AND i.result = 'resolved') AS resolved,
       count(*) FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s
                          AND i.resolved_at > i.deadline_at) AS concluded_late,
       count(*) FILTER (WHERE i.reported_at >= %(start)s AND i.escalations > 0) AS escalated,
       count(*) FILTER (WHERE i.reported_at >= %(start)s AND i.is_major_risk) AS major_new,
       count(*) FILTER (WHERE i.is_major_risk
                          AND (i.resolved_at IS NULL OR i.resolved_at >= %(end)s)) AS major_open,
       avg(extract(epoch FROM i.resolved_at - i.reported_at) / 3600)
           FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s)
           AS mean_handling_hours,
       percentile_cont(0.9) WITHIN GROUP (
           ORDER BY extract(epoch FROM i.resolved_at - i.reported_at) / 3600)
           FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s)
           AS p90_handling_hours
FROM incidents i
WHERE {conditions}
  AND i.reported_at < %(end)s
  AND coalesce(i.resolved_at, 'infinity') >= %(start)s
GROUP BY 1
