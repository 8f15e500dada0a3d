-- The current small grids' display outlines (simplified at publication) as WKB.
SELECT a.code, ST_AsBinary(coalesce(a.geom_display, ST_SimplifyPreserveTopology(a.geom, 0.0001)))
FROM current_areas a
WHERE a.level = 'grid'
ORDER BY a.code
