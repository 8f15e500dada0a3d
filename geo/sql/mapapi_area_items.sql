-- Map service: one page of the areas of a level in a boundary version, as GeoJSON Feature
-- texts ordered by code, after the code %(after)s. A client scoped below the city sees its
-- own area and the areas inside it only (%(scope_code)s; NULL for the city). {geometry} is
-- the GeoJSON geometry of `a.geom` in the output CRS, {bbox} a condition on `a.geom`.
WITH RECURSIVE scoped AS (
    SELECT a.code, a.depth
    FROM areas a
    WHERE a.version_id = %(version)s AND a.code = %(scope_code)s
    UNION ALL
    SELECT c.code, c.depth
    FROM scoped s
    JOIN areas c ON c.version_id = %(version)s AND c.parent_code = s.code
    WHERE c.depth <= %(depth)s
)
SELECT a.code,
       '{{"type":"Feature","id":' || to_json(a.code)::text
       || ',"geometry":' || {geometry}
       || ',"properties":' || json_build_object(
              'code', a.code, 'name', a.name, 'level', a.level, 'parent_code', a.parent_code,
              'kind', a.kind, 'population', a.population, 'version', a.version_id)::text
       || '}}'
FROM areas a
WHERE a.version_id = %(version)s AND a.level = %(level)s
  AND (%(scope_code)s::text IS NULL OR a.code IN (SELECT code FROM scoped))
  AND (%(code)s::text IS NULL OR a.code = %(code)s)
  AND a.code > %(after)s
  AND {bbox}
ORDER BY a.code
LIMIT %(limit)s
