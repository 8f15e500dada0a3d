-- The grids of one version with the codes of their community, street and district.
-- %(version_id)s: the version.
SELECT g.code, c.code AS community_code, s.code AS street_code, d.code AS district_code,
       ST_AsBinary(g.geom) AS wkb
FROM areas g
JOIN areas c ON c.version_id = g.version_id AND c.code = g.parent_code
JOIN areas s ON s.version_id = g.version_id AND s.code = c.parent_code
JOIN areas d ON d.version_id = g.version_id AND d.code = s.parent_code
WHERE g.version_id = %(version_id)s AND g.level = 'grid'
ORDER BY g.code
