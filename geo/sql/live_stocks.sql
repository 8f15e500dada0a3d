-- Stocks at %(end)s of the incidents matching the filter, per assigned center and in total
-- (per small grid: live_grid_measures.sql): open (reported before end, not resolved by then), overdue (open and past the
-- deadline), open major risks, open disputes, open escalated cases.
-- The open-at-end condition: when end is now, an open status (the schema makes it the same as
-- resolved_at IS NULL; the planner estimates it well and the partial index of migration 005
-- answers it); for a past end, not resolved by then.
SELECT GROUPING(i.assigned_center) AS grouping, i.assigned_center,
       count(*) AS open,
       count(*) FILTER (WHERE i.deadline_at < %(end)s) AS overdue,
       count(*) FILTER (WHERE i.is_major_risk) AS major_open,
       count(*) FILTER (WHERE i.category = 'dispute') AS dispute_open,
       count(*) FILTER (WHERE i.escalations > 0) AS escalated_open
FROM incidents i
WHERE {conditions} AND i.reported_at < %(end)s AND {open_at_end}
GROUP BY GROUPING SETS ((i.assigned_center), ())
