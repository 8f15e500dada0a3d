-- The areas around a case for its map, in the box %(west)s..%(east)s × %(south)s..%(north)s:
-- the grids, communities and streets the box touches (outline, name, a label point inside the
-- box so that each name is seen, a street's or community's away from the case), and whether
-- the name is shown (streets, communities, the case's grid %(grid)s and the grids touching
-- it); streets and communities first, then grids, at most %(limit)s.
WITH box AS (
    SELECT ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4490) AS geom
), own AS (
    SELECT geom FROM current_areas WHERE code = %(grid)s AND level = 'grid'
), clear AS (  -- street and community names keep out of this circle around the case
    SELECT ST_Buffer(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), %(clear)s) AS geom
)
SELECT a.code, a.parent_code, a.name, a.level, a.population,
       ST_AsGeoJSON(coalesce(a.geom_display, a.geom), 5),
       ST_X(l.point), ST_Y(l.point),
       a.level <> 'grid' OR EXISTS (SELECT FROM own WHERE ST_Intersects(a.geom, own.geom))
FROM current_areas a
CROSS JOIN box
CROSS JOIN clear
CROSS JOIN LATERAL (SELECT ST_Intersection(a.geom, box.geom) AS inside) i
CROSS JOIN LATERAL (
    SELECT CASE WHEN a.level = 'grid' THEN NULL
                ELSE ST_Difference(i.inside, clear.geom) END AS away
) d
CROSS JOIN LATERAL (
    SELECT CASE WHEN d.away IS NOT NULL AND NOT ST_IsEmpty(d.away) THEN ST_PointOnSurface(d.away)
                WHEN NOT ST_IsEmpty(i.inside) THEN ST_PointOnSurface(i.inside)
                ELSE ST_PointOnSurface(a.geom) END AS point
) l
WHERE a.level IN ('grid', 'community', 'street') AND a.geom && box.geom
  AND ST_Intersects(a.geom, box.geom)
ORDER BY CASE a.level WHEN 'street' THEN 0 WHEN 'community' THEN 1 ELSE 2 END, a.code
LIMIT %(limit)s
