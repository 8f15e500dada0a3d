-- Reports in [%(lo)s, %(hi)s) of the incidents matching the filter per heat cell of
-- %(cell_dx)s by %(cell_dy)s degrees (cx, cy: the cell's column and row).
SELECT floor(ST_X(i.geom) / %(cell_dx)s)::int AS cx,
       floor(ST_Y(i.geom) / %(cell_dy)s)::int AS cy,
       count(*) AS new
FROM incidents i
WHERE {conditions} AND i.reported_at >= %(lo)s AND i.reported_at < %(hi)s
GROUP BY 1, 2
