-- Handling-time buckets of the cases of %(code)s resolved on the CST days [%(first)s, %(stop)s).
SELECT h.bucket, sum(h.n)::bigint AS n
FROM incident_daily_handling h
WHERE h.code = %(code)s AND h.day >= %(first)s AND h.day < %(stop)s
GROUP BY h.bucket
HAVING sum(h.n) > 0
ORDER BY h.bucket
