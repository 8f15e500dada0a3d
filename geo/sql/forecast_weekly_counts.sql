-- 预判 (issue 17): reports per small grid, category and CST week [start, end); weeks are
-- counted from %(start)s, a Monday 00:00 CST (China has no daylight saving: a week is 7 × 24 h).
SELECT grid_code, category,
       floor(extract(epoch FROM reported_at - %(start)s) / 604800)::int AS week,
       count(*)::int AS reports
FROM incidents
WHERE reported_at >= %(start)s AND reported_at < %(end)s
GROUP BY 1, 2, 3
