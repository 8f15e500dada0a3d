-- Ingest: the current small grid covering a point, with its community, street and district.
SELECT g.code, c.code, s.code, s.parent_code
FROM current_areas g
JOIN current_areas c ON c.code = g.parent_code AND c.level = 'community'
JOIN current_areas s ON s.code = c.parent_code AND s.level = 'street'
WHERE g.level = 'grid'
  AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490))
ORDER BY g.code
LIMIT 1
