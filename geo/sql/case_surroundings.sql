-- The areas around a case for its map, in the box %(west)s..%(east)s × %(south)s..%(north)s:
-- the grids, communities and streets the box touches (outline, name, a label point inside the
-- box so that each name is seen); streets and communities first, then grids, at most %(limit)s.
WITH box AS (
    SELECT ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4490) AS geom
)
SELECT a.code, a.parent_code, a.name, a.level, a.population,
       ST_AsGeoJSON(coalesce(a.geom_display, a.geom), 5),
       ST_X(l.point), ST_Y(l.point)
FROM current_areas a
CROSS JOIN box
CROSS JOIN LATERAL (
    SELECT coalesce(ST_PointOnSurface(ST_Intersection(a.geom, box.geom)),
                    ST_PointOnSurface(a.geom)) AS point
) l
WHERE a.level IN ('grid', 'community', 'street') AND a.geom && box.geom
  AND ST_Intersects(a.geom, box.geom)
ORDER BY CASE a.level WHEN 'street' THEN 0 WHEN 'community' THEN 1 ELSE 2 END, a.code
LIMIT %(limit)s
