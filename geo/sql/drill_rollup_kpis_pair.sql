-- Key figures per code from the daily rollups (migration 003) for two periods of CST days in
-- one read, as drill_rollup_kpis gives each: 'now' [%(first)s, %(stop)s) and 'before'
-- [%(prev_first)s, %(prev_stop)s). Flows are summed per period; stocks (sums of every change
-- before a period's end) come from one pass over the days before the later end, each period
-- summing the days before its own.
WITH periods (which, first, stop) AS (
    VALUES ('now', %(first)s::date, %(stop)s::date),
           ('before', %(prev_first)s::date, %(prev_stop)s::date)
), codes AS (
    SELECT unnest(%(codes)s::text[]) AS code
), flows AS (
    SELECT p.which, f.*
    FROM periods p
    CROSS JOIN LATERAL (
        SELECT f.code, sum(f.new) AS new, sum(f.major_new) AS major_new,
               sum(f.escalated_new) AS escalated, sum(f.repeat_new) AS repeats,
               coalesce(sum(f.new) FILTER (WHERE f.category = ANY(%(categories)s)), 0)
                   AS new_in_categories,
               sum(f.concluded) AS concluded, sum(f.resolved) AS resolved,
               sum(f.concluded_late) AS concluded_late, sum(f.hours) AS hours
        FROM incident_daily_flows f
        WHERE f.code = ANY(%(codes)s) AND f.day >= p.first AND f.day < p.stop
        GROUP BY f.code
    ) f
), stocks AS (
    SELECT s.code,
           sum(s.opened - s.closed) FILTER (WHERE s.day < %(stop)s) AS open,
           sum(s.due - s.due_done) FILTER (WHERE s.day < %(stop)s) AS overdue,
           sum(s.major_opened - s.major_closed) FILTER (WHERE s.day < %(stop)s) AS major_open,
           sum(s.opened - s.closed) FILTER (WHERE s.day < %(prev_stop)s) AS prev_open,
           sum(s.due - s.due_done) FILTER (WHERE s.day < %(prev_stop)s) AS prev_overdue,
           sum(s.major_opened - s.major_closed) FILTER (WHERE s.day < %(prev_stop)s)
               AS prev_major_open
    FROM incident_daily_stocks s
    WHERE s.code = ANY(%(codes)s) AND s.day < greatest(%(stop)s::date, %(prev_stop)s::date)
    GROUP BY s.code
)
SELECT p.which, c.code,
       coalesce(f.new, 0) AS new,
       coalesce(CASE p.which WHEN 'now' THEN s.open ELSE s.prev_open END, 0) AS open,
       coalesce(CASE p.which WHEN 'now' THEN s.overdue ELSE s.prev_overdue END, 0) AS overdue,
       coalesce(f.concluded, 0) AS concluded,
       coalesce(f.resolved, 0) AS resolved, coalesce(f.concluded_late, 0) AS concluded_late,
       coalesce(f.escalated, 0) AS escalated, coalesce(f.major_new, 0) AS major_new,
       coalesce(CASE p.which WHEN 'now' THEN s.major_open ELSE s.prev_major_open END, 0)
           AS major_open,
       f.hours / nullif(f.concluded, 0) AS mean_handling_hours,
       NULL::double precision AS p90_handling_hours,  -- read from the buckets when asked
       coalesce(f.new_in_categories, 0) AS new_in_categories,
       coalesce(f.repeats, 0) AS repeats
FROM periods p
CROSS JOIN codes c
LEFT JOIN flows f ON f.which = p.which AND f.code = c.code
LEFT JOIN stocks s ON s.code = c.code
