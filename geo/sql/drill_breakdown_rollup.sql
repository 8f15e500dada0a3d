-- New, concluded and resolved cases of %(code)s per {key} from the rollups, over the CST days
-- [%(first)s, %(stop)s), and the new cases of the period compared [%(prev_first)s, %(prev_stop)s).
SELECT f.{key} AS key,
       coalesce(sum(f.new) FILTER (WHERE f.day >= %(first)s AND f.day < %(stop)s), 0) AS new,
       coalesce(sum(f.concluded) FILTER (WHERE f.day >= %(first)s AND f.day < %(stop)s), 0)
           AS concluded,
       coalesce(sum(f.resolved) FILTER (WHERE f.day >= %(first)s AND f.day < %(stop)s), 0)
           AS resolved,
       coalesce(sum(f.new) FILTER (WHERE f.day >= %(prev_first)s AND f.day < %(prev_stop)s), 0)
           AS previous_new
FROM incident_daily_flows f
WHERE f.code = %(code)s
  AND ((f.day >= %(first)s AND f.day < %(stop)s)
       OR (f.day >= %(prev_first)s AND f.day < %(prev_stop)s))
  -- the days of both, as one range the primary key answers (else every day of the area)
  AND f.day >= least(%(first)s::date, %(prev_first)s::date)
  AND f.day < greatest(%(stop)s::date, %(prev_stop)s::date)
GROUP BY 1
