-- The areas of one level in one boundary version, geometry as WKB.
-- %(version_id)s: the version; %(level)s: the level.
SELECT code, name, parent_code, kind, population, ST_AsBinary(geom) AS wkb
FROM areas
WHERE version_id = %(version_id)s AND level = %(level)s
ORDER BY code
