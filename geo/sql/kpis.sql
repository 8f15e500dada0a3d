-- Key figures of the incidents matching the filter conditions, per group (or one row).
-- Flows count within [start, end): new reports, conclusions. Stocks are the state at `end`:
-- open (reported before end, not yet resolved at end) and overdue (open and past deadline).
-- {open_at_start} keeps the cases still open at `start`; see OPEN_AT_START in kpis.py.
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
  AND {open_at_start}
GROUP BY 1
