-- Key figures and the safety index's two counts per child area ({group_column}) over two
-- periods at once, the one reviewed (%(start)s, %(end)s) and the one compared (%(prev_start)s,
-- %(prev_end)s): one read of the incidents matching {conditions} (a community's grids, through
-- the grid index; most of the time is reading these rows, which the four queries this replaces
-- read twice), each row counted in each period it belongs to. Per period the same rules as
-- kpis.sql (flows within the period, stocks at its end) and drill_base_extras.sql.
WITH rows AS MATERIALIZED (  -- read once, not once per period
    SELECT i.id, i.grid_code, i.community_code, i.street_code, i.district_code, i.address,
           i.category, i.reported_at, i.resolved_at, i.deadline_at, i.result, i.escalations,
           i.is_major_risk
    FROM incidents i
    WHERE {conditions}
      AND i.reported_at < %(last_end)s
      AND coalesce(i.resolved_at, 'infinity') >= %(first_start)s
)
SELECT {group_column} AS group_code, p.which,
       count(*) FILTER (WHERE i.reported_at >= p.start) AS new,
       count(*) FILTER (WHERE i.resolved_at IS NULL OR i.resolved_at >= p.stop) AS open,
       count(*) FILTER (WHERE (i.resolved_at IS NULL OR i.resolved_at >= p.stop)
                          AND i.deadline_at < p.stop) AS overdue,
       count(*) FILTER (WHERE i.resolved_at >= p.start AND i.resolved_at < p.stop) AS concluded,
       count(*) FILTER (WHERE i.resolved_at >= p.start AND i.resolved_at < p.stop
                          AND i.result = 'resolved') AS resolved,
       count(*) FILTER (WHERE i.resolved_at >= p.start AND i.resolved_at < p.stop
                          AND i.resolved_at > i.deadline_at) AS concluded_late,
       count(*) FILTER (WHERE i.reported_at >= p.start AND i.escalations > 0) AS escalated,
       count(*) FILTER (WHERE i.reported_at >= p.start AND i.is_major_risk) AS major_new,
       count(*) FILTER (WHERE i.is_major_risk
                          AND (i.resolved_at IS NULL OR i.resolved_at >= p.stop)) AS major_open,
       avg(extract(epoch FROM i.resolved_at - i.reported_at) / 3600)
           FILTER (WHERE i.resolved_at >= p.start AND i.resolved_at < p.stop)
           AS mean_handling_hours,
       percentile_cont(0.9) WITHIN GROUP (
           ORDER BY extract(epoch FROM i.resolved_at - i.reported_at) / 3600)
           FILTER (WHERE i.resolved_at >= p.start AND i.resolved_at < p.stop)
           AS p90_handling_hours,
       count(*) FILTER (WHERE i.reported_at >= p.start AND i.category = ANY(%(categories)s))
           AS new_in_categories,
       count(*) FILTER (WHERE i.reported_at >= p.start AND i.address <> '' AND EXISTS (
           SELECT 1 FROM incidents j
           WHERE j.grid_code = i.grid_code AND j.address = i.address
             AND j.reported_at >= i.reported_at - interval '30 days'
             AND (j.reported_at < i.reported_at
                  OR (j.reported_at = i.reported_at AND j.id < i.id)))) AS repeats
FROM rows i
CROSS JOIN LATERAL (
    VALUES ('now', %(start)s::timestamptz, %(end)s::timestamptz),
           ('before', %(prev_start)s::timestamptz, %(prev_end)s::timestamptz)
) AS p (which, start, stop)
WHERE i.reported_at < p.stop
  AND coalesce(i.resolved_at, 'infinity') >= p.start
GROUP BY 1, 2
