-- Outlines of the current areas at the given levels: the published display geometry, else
-- the full geometry simplified on the fly.
-- %(levels)s: array of levels; %(tolerance)s: simplification tolerance in degrees.
SELECT a.code, a.parent_code, a.name, a.level, a.population,
       ST_AsGeoJSON(coalesce(a.geom_display,
                             ST_SimplifyPreserveTopology(a.geom, %(tolerance)s)), 5) AS geojson,
       ST_X(ST_PointOnSurface(a.geom)) AS label_lon,
       ST_Y(ST_PointOnSurface(a.geom)) AS label_lat
FROM current_areas a
WHERE a.level = ANY(%(levels)s)
ORDER BY a.level, a.code
