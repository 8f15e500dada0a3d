-- The areas of one version below the city: code, parent code, level, and (grids only) the
-- geometry as WKB. The chain grid > community > street > district is built in Python, so no
-- self-join depends on fresh statistics for a version just written.
-- %(version_id)s: the version.
SELECT code, parent_code, level,
       CASE WHEN level = 'grid' THEN ST_AsBinary(geom) END AS wkb
FROM areas
WHERE version_id = %(version_id)s AND level <> 'city'
ORDER BY level, code
