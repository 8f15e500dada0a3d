-- 预判 (issue 17): reports per CST week [start, end) of the incidents matching {conditions}.
SELECT floor(extract(epoch FROM i.reported_at - %(start)s) / 604800)::int AS week,
       count(*)::int AS reports
FROM incidents i
WHERE i.reported_at >= %(start)s AND i.reported_at < %(end)s AND {conditions}
GROUP BY 1
