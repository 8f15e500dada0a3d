-- New, concluded and resolved cases per {key} of the incidents matching {conditions} in
-- [%(start)s, %(end)s), and the new cases of the period compared [%(prev_start)s, %(prev_end)s).
SELECT i.{key} AS key,
       count(*) FILTER (WHERE i.reported_at >= %(start)s AND i.reported_at < %(end)s) AS new,
       count(*) FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s)
           AS concluded,
       count(*) FILTER (WHERE i.resolved_at >= %(start)s AND i.resolved_at < %(end)s
                          AND i.result = 'resolved') AS resolved,
       count(*) FILTER (WHERE i.reported_at >= %(prev_start)s AND i.reported_at < %(prev_end)s)
           AS previous_new
FROM incidents i
WHERE {conditions}
  AND ((i.reported_at >= %(prev_start)s AND i.reported_at < %(prev_end)s)
       OR (i.reported_at >= %(start)s AND i.reported_at < %(end)s)
       OR (i.resolved_at >= %(start)s AND i.resolved_at < %(end)s))
GROUP BY 1
