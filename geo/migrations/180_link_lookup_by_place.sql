-- The intake's link lookup (minqing_open_case_near, migration 094) reads the open cases near
-- the report's point first, through their spatial index (migration 014), and only then looks
-- at category, source, time and area. Planned as one statement, it also intersected that index
-- with the time BRIN index, whose lossy ranges held over a million rows once the newest cases
-- shared their pages' time range with older ones (a sustained push at 2.4 M cases): 3 ms a
-- report instead of 0.1, the intake's largest cost per report (docs/benchmarks.md, issue 16).
-- Same answers: the nearest such case within the distance, ties by id, in the caller's scope.
CREATE OR REPLACE FUNCTION minqing_open_case_near(
    p_geom geometry, p_distance double precision, p_category text, p_source text,
    p_from timestamptz, p_to timestamptz
) RETURNS TABLE (id bigint, distance double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH scope AS MATERIALIZED (  -- the context checked once per call, not per open case
        SELECT minqing_context() IS NULL AND minqing_owner_session() AS owner,
               minqing_scope_level() AS level, minqing_scope_code() AS code
    ), near AS MATERIALIZED (  -- the open cases around the point, by the spatial index alone
        SELECT i.id, i.geom, i.source, i.category, i.reported_at, i.district_code,
               i.street_code, i.community_code, i.grid_code
        FROM incidents i
        WHERE i.status IN ('reported', 'assigned', 'in_progress')
          AND i.geom && ST_Expand(p_geom, p_distance / 80000.0)
    )
    SELECT i.id, ST_Distance(i.geom::geography, p_geom::geography) AS distance
    FROM near i, scope s
    WHERE i.source <> p_source AND i.category = p_category
      AND i.reported_at BETWEEN p_from AND p_to
      AND ST_DWithin(i.geom::geography, p_geom::geography, p_distance)
      AND (s.owner OR CASE s.level
                          WHEN 'city' THEN true
                          WHEN 'district' THEN i.district_code = s.code
                          WHEN 'street' THEN i.street_code = s.code
                          WHEN 'community' THEN i.community_code = s.code
                          WHEN 'grid' THEN i.grid_code = s.code
                          ELSE false END)
    ORDER BY distance, i.id
    LIMIT 1
$$;
