-- The 90th percentile of handling hours of the cases matching {conditions} (a community's or a
-- grid's grids) resolved in [%(start)s, %(end)s): the resolution index and the grid index
-- together find them.
SELECT percentile_cont(0.9) WITHIN GROUP (
           ORDER BY extract(epoch FROM i.resolved_at - i.reported_at) / 3600)
FROM incidents i
WHERE {conditions} AND i.resolved_at >= %(start)s AND i.resolved_at < %(end)s
