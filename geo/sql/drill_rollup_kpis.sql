-- Key figures per code from the daily rollups (migration 003): flows over the CST days
-- [%(first)s, %(stop)s), stocks at the start of %(stop)s (sums of every change before it).
-- Also the two counts the safety index adds: new cases in %(categories)s, repeat reports.
WITH codes AS (
    SELECT unnest(%(codes)s::text[]) AS code
), flows AS (
    SELECT f.code, sum(f.new) AS new, sum(f.major_new) AS major_new,
           sum(f.escalated_new) AS escalated, sum(f.repeat_new) AS repeats,
           coalesce(sum(f.new) FILTER (WHERE f.category = ANY(%(categories)s)), 0)
               AS new_in_categories,
           sum(f.concluded) AS concluded, sum(f.resolved) AS resolved,
           sum(f.concluded_late) AS concluded_late, sum(f.hours) AS hours
    FROM incident_daily_flows f
    WHERE f.code = ANY(%(codes)s) AND f.day >= %(first)s AND f.day < %(stop)s
    GROUP BY f.code
), stocks AS (
    SELECT s.code, sum(s.opened - s.closed) AS open, sum(s.due - s.due_done) AS overdue,
           sum(s.major_opened - s.major_closed) AS major_open
    FROM incident_daily_stocks s
    WHERE s.code = ANY(%(codes)s) AND s.day < %(stop)s
    GROUP BY s.code
)
SELECT c.code,
       coalesce(f.new, 0) AS new, coalesce(s.open, 0) AS open,
       coalesce(s.overdue, 0) AS overdue, coalesce(f.concluded, 0) AS concluded,
       coalesce(f.resolved, 0) AS resolved, coalesce(f.concluded_late, 0) AS concluded_late,
       coalesce(f.escalated, 0) AS escalated, coalesce(f.major_new, 0) AS major_new,
       coalesce(s.major_open, 0) AS major_open,
       f.hours / nullif(f.concluded, 0) AS mean_handling_hours,
       NULL::double precision AS p90_handling_hours,  -- read from the buckets when asked
       coalesce(f.new_in_categories, 0) AS new_in_categories,
       coalesce(f.repeats, 0) AS repeats
FROM codes c
LEFT JOIN flows f ON f.code = c.code
LEFT JOIN stocks s ON s.code = c.code
