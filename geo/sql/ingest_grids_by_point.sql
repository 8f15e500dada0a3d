-- Intake of a few points (the map service's pushes, small imports): the current small grid of
-- each point found through the areas' spatial index, point by point, instead of every grid
-- probing the points (ingest_grids.sql, for big imports: 0.3-0.8 s per call at 7,507 grids,
-- whatever the number of points). The same answer: the grid covering the point, the lowest
-- code on a shared edge, with its community, street and district.
CREATE TEMP TABLE ingest_grids ON COMMIT DROP AS
SELECT p.line, g.code AS grid_code, c.code AS community_code, s.code AS street_code,
       s.parent_code AS district_code
FROM ingest_points p
CROSS JOIN LATERAL (
    SELECT a.code, a.parent_code, a.version_id
    FROM areas a
    WHERE a.version_id = (SELECT id FROM boundary_versions WHERE is_current)
      AND a.level = 'grid' AND ST_Covers(a.geom, p.geom)
    ORDER BY a.code
    LIMIT 1) g
JOIN areas c ON c.version_id = g.version_id AND c.code = g.parent_code
JOIN areas s ON s.version_id = c.version_id AND s.code = c.parent_code;
ALTER TABLE ingest_grids ADD PRIMARY KEY (line);
ANALYZE ingest_grids
