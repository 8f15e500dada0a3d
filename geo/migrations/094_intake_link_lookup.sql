-- The intake's link lookup (geo/sql/ingest_link.sql): the nearest open case of another source,
-- same category, within the link distance and time of a report. Working as minqing_app (the
-- map service's pushes), row-level security keeps the open cases' GiST index (migration 014)
-- out of it (PostGIS's `&&` is not leakproof), and a (category, time) index reads every open
-- case of the category in the time window: thousands each under a sustained push (5 ms a
-- report, 0.5-1.8 s a batch of 500 at 2.4 M cases). This function reads as the owner, so the
-- GiST index serves it, and applies the same area scope as the incidents' policy itself: the
-- transaction's verified context when there is one, else everything for the owner's own
-- session (the command line), else nothing. It returns one case id the caller could read
-- anyway, or none.
CREATE FUNCTION minqing_open_case_near(
    p_geom geometry, p_distance double precision, p_category text, p_source text,
    p_from timestamptz, p_to timestamptz
) RETURNS TABLE (id bigint, distance double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH scope AS MATERIALIZED (  -- the context checked once per call, not per open case
        SELECT minqing_context() IS NULL AND minqing_owner_session() AS owner,
               minqing_scope_level() AS level, minqing_scope_code() AS code
    )
    SELECT i.id, ST_Distance(i.geom::geography, p_geom::geography) AS distance
    FROM incidents i, scope s
    WHERE i.status IN ('reported', 'assigned', 'in_progress')
      AND i.source <> p_source AND i.category = p_category
      AND i.reported_at BETWEEN p_from AND p_to
      AND i.geom && ST_Expand(p_geom, p_distance / 80000.0)
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
REVOKE EXECUTE ON FUNCTION
    minqing_open_case_near(geometry, double precision, text, text, timestamptz, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    minqing_open_case_near(geometry, double precision, text, text, timestamptz, timestamptz)
    TO minqing_app;
