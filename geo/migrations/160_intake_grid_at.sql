-- The current small grid covering a point, with its community, street and district (the
-- lowest grid code on a shared edge), found through the areas' spatial index: the placement of
-- an intake of a few rows (geo/sql/ingest_few.sql, the map service's pushes). A big import
-- joins driven by the grids instead (geo/sql/ingest_grids.sql); both place alike
-- (tests/test_ingest_store.py). Plain SQL, so the planner inlines it into the caller's query.
CREATE FUNCTION minqing_grid_at(p_geom geometry)
RETURNS TABLE (grid_code text, community_code text, street_code text, district_code text)
    LANGUAGE sql STABLE AS $$
    SELECT g.code, c.code, s.code, s.parent_code
    FROM (SELECT a.code, a.parent_code, a.version_id
          FROM areas a
          WHERE a.version_id = (SELECT id FROM boundary_versions WHERE is_current)
            AND a.level = 'grid' AND ST_Covers(a.geom, p_geom)
          ORDER BY a.code
          LIMIT 1) g
    JOIN areas c ON c.version_id = g.version_id AND c.code = g.parent_code
    JOIN areas s ON s.version_id = c.version_id AND s.code = c.parent_code
$$;
