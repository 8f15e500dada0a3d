-- New and concluded cases per CST day of the incidents matching {conditions}, [%(first)s, %(stop)s).
WITH cases AS (
    SELECT (i.reported_at AT TIME ZONE 'Asia/Shanghai')::date AS reported_day,
           (i.resolved_at AT TIME ZONE 'Asia/Shanghai')::date AS resolved_day, i.is_major_risk
    FROM incidents i
    WHERE {conditions}
      AND ((i.reported_at >= %(start)s AND i.reported_at < %(end)s)
           OR (i.resolved_at >= %(start)s AND i.resolved_at < %(end)s))
)
SELECT d::date AS day,
       count(*) FILTER (WHERE c.reported_day = d::date) AS new,
       count(*) FILTER (WHERE c.resolved_day = d::date) AS concluded,
       count(*) FILTER (WHERE c.reported_day = d::date AND c.is_major_risk) AS major_new
FROM generate_series(%(first)s::date, %(stop)s::date - 1, interval '1 day') AS d
LEFT JOIN cases c ON c.reported_day = d::date OR c.resolved_day = d::date
GROUP BY 1
ORDER BY 1
