-- New and concluded cases per CST day of %(code)s from the rollups, [%(first)s, %(stop)s).
SELECT d::date AS day,
       coalesce(sum(f.new), 0) AS new, coalesce(sum(f.concluded), 0) AS concluded,
       coalesce(sum(f.major_new), 0) AS major_new
FROM generate_series(%(first)s::date, %(stop)s::date - 1, interval '1 day') AS d
LEFT JOIN incident_daily_flows f ON f.code = %(code)s AND f.day = d::date
    -- the same days again, as a range the primary key answers (else every day of the area)
    AND f.day >= %(first)s::date AND f.day < %(stop)s::date
GROUP BY 1
ORDER BY 1
