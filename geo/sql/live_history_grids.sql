-- Reports of the incidents matching the filter per small grid: in [%(lo)s, %(hi)s) ("new",
-- and of them major risks) and in [%(prev_lo)s, %(lo)s) ("previous").
SELECT i.grid_code,
       count(*) FILTER (WHERE i.reported_at >= %(lo)s) AS new,
       count(*) FILTER (WHERE i.reported_at < %(lo)s) AS previous,
       count(*) FILTER (WHERE i.reported_at >= %(lo)s AND i.is_major_risk) AS major_new
FROM incidents i
WHERE {conditions} AND i.reported_at >= %(prev_lo)s AND i.reported_at < %(hi)s
GROUP BY i.grid_code
