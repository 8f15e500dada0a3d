-- Stocks at %(end)s of the incidents matching the filter (and, for an area, in its grids:
-- {in_grids}), per small grid, per assigned center and in total, in one pass: open (reported
-- before end, not resolved by then), overdue (open and past the deadline), open major risks,
-- open disputes, open escalated cases.
-- The open-at-end condition: when end is now, an open status (the schema makes it the same as
-- resolved_at IS NULL; the planner estimates it well and the open cases' index, migration 081,
-- answers the whole query); for a past end, not resolved by then.
SELECT GROUPING(i.grid_code, i.assigned_center) AS grouping, i.grid_code, i.assigned_center,
       count(*) AS open,
       count(*) FILTER (WHERE i.deadline_at < %(end)s) AS overdue,
       count(*) FILTER (WHERE i.is_major_risk) AS major_open,
       count(*) FILTER (WHERE i.category = 'dispute') AS dispute_open,
       count(*) FILTER (WHERE i.escalations > 0) AS escalated_open
FROM incidents i
WHERE {conditions} AND {in_grids} AND i.reported_at < %(end)s AND {open_at_end}
GROUP BY GROUPING SETS ((i.grid_code), (i.assigned_center), ())
