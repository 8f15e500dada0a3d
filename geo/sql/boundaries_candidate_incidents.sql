-- Incidents whose grid may change: those of the changed grids, and those inside the region
-- where outlines moved (the temporary table boundary_region). Parameters: %(codes)s.
SELECT i.id, ST_X(i.geom), ST_Y(i.geom), i.grid_code, i.community_code, i.street_code,
       i.district_code
FROM incidents i
WHERE i.grid_code = ANY(%(codes)s)
UNION
SELECT i.id, ST_X(i.geom), ST_Y(i.geom), i.grid_code, i.community_code, i.street_code,
       i.district_code
FROM incidents i
JOIN boundary_region r ON ST_Intersects(i.geom, r.geom)
