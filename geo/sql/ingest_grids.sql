-- Intake: the current small grid of each point, and the grid's community, street and
-- district, in one spatial join driven by the grids: each grid's polygon is prepared once and
-- probes the points' index (OFFSET 0 keeps the planner from turning the loop around and
-- testing every point against polygons one by one). A point on a shared edge goes to the
-- lowest grid code.
CREATE TEMP TABLE ingest_grids ON COMMIT DROP AS
SELECT DISTINCT ON (p.line) p.line, g.code AS grid_code, c.code AS community_code,
       s.code AS street_code, s.parent_code AS district_code
FROM areas g
CROSS JOIN LATERAL (
    SELECT q.line FROM ingest_points q WHERE ST_Covers(g.geom, q.geom) OFFSET 0) p
JOIN areas c ON c.version_id = g.version_id AND c.code = g.parent_code
JOIN areas s ON s.version_id = c.version_id AND s.code = c.parent_code
WHERE g.version_id = (SELECT id FROM boundary_versions WHERE is_current) AND g.level = 'grid'
ORDER BY p.line, g.code;
ALTER TABLE ingest_grids ADD PRIMARY KEY (line);
ANALYZE ingest_grids
