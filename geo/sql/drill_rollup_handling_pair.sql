-- Handling-time buckets of the cases of %(code)s resolved on the CST days of two periods in one
-- read: 'now' [%(first)s, %(stop)s) and 'before' [%(prev_first)s, %(prev_stop)s), each period's
-- days read through the primary key.
SELECT p.which, h.bucket, h.n
FROM (VALUES ('now', %(first)s::date, %(stop)s::date),
             ('before', %(prev_first)s::date, %(prev_stop)s::date)) AS p (which, first, stop)
CROSS JOIN LATERAL (
    SELECT h.bucket, sum(h.n)::bigint AS n
    FROM incident_daily_handling h
    WHERE h.code = %(code)s AND h.day >= p.first AND h.day < p.stop
    GROUP BY h.bucket
    HAVING sum(h.n) > 0
) h
ORDER BY p.which, h.bucket
