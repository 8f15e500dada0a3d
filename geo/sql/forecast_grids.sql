-- 预判 (issue 17): the small grids of the current boundaries with what the forecaster knows of
-- them (kind, residents, area in km²) and the codes of their community, street and district.
SELECT g.code, g.kind, g.population, ST_Area(g.geom::geography) / 1e6 AS area_km2,
       c.code AS community, s.code AS street, s.parent_code AS district
FROM current_areas g
JOIN current_areas c ON c.code = g.parent_code AND c.version_id = g.version_id
JOIN current_areas s ON s.code = c.parent_code AND s.version_id = c.version_id
WHERE g.level = 'grid'
ORDER BY g.code
