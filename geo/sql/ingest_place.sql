-- Intake: rows without a point stand at their address when the gazetteer knows it; then
-- every point gets its current small grid and the grid's community, street and district in
-- one spatial join (a point on a shared edge goes to the lowest grid code).
UPDATE ingest_rows r
SET lon = ST_X(g.geom), lat = ST_Y(g.geom), placed_by = 'address'
FROM address_gazetteer g
WHERE r.outcome IS NULL AND r.lon IS NULL AND r.address_key <> ''
  AND g.address_key = r.address_key;

UPDATE ingest_rows
SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4490), placed_by = coalesce(placed_by, 'point')
WHERE outcome IS NULL AND lon IS NOT NULL;

UPDATE ingest_rows r
SET grid_code = m.grid, community_code = m.community, street_code = m.street,
    district_code = m.district
FROM (
    SELECT DISTINCT ON (r.line) r.line, g.code AS grid, c.code AS community,
           s.code AS street, s.parent_code AS district
    FROM ingest_rows r
    JOIN current_areas g ON g.level = 'grid' AND ST_Covers(g.geom, r.geom)
    JOIN current_areas c ON c.code = g.parent_code AND c.level = 'community'
    JOIN current_areas s ON s.code = c.parent_code AND s.level = 'street'
    WHERE r.outcome IS NULL AND r.geom IS NOT NULL
    ORDER BY r.line, g.code
) m
WHERE m.line = r.line;

UPDATE ingest_rows
SET outcome = CASE WHEN geom IS NULL THEN 'no_location' ELSE 'outside_city' END
WHERE outcome IS NULL AND grid_code IS NULL
