-- One current area (the city when %(code)s is NULL): names, level, residents, its box and
-- how many children it has.
SELECT a.code, a.name, a.level, a.parent_code, a.kind, a.population,
       ST_XMin(a.geom) AS west, ST_YMin(a.geom) AS south,
       ST_XMax(a.geom) AS east, ST_YMax(a.geom) AS north,
       (SELECT count(*) FROM current_areas c WHERE c.parent_code = a.code) AS children
FROM current_areas a
WHERE (%(code)s::text IS NULL AND a.level = 'city') OR a.code = %(code)s
ORDER BY a.depth
LIMIT 1
