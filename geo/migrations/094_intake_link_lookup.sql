-- The intake's link lookup (geo/sql/ingest_link.sql): the nearest open case of another source,
-- same category, within the link distance and time of a report. Working as minqing_app (the
-- map service's pushes), row-level security keeps the open cases' GiST index (migration 014)
-- out of it (PostGIS's `&&` is not leakproof), and a (category, time) index reads every open
-- case of the category in the time window: thousands each under a sustained push (5 ms a
-- report, 0.5-1.8 s a batch of 500 at 2.4 M cases). This function reads as the owner, so the
-- GiST index serves it, and applies the same area scope as the policies itself: the
-- transaction's verified context when there is one, else everything for the owner's own
-- session (the command line), else nothing. It returns one case id the caller could read
-- anyway, or none.
CREATE FUNCTION minqing_open_case_near(
    p_geom geometry, p_distance double precision, p_category text, p_source text,
    p_from timestamptz, p_to timestamptz
) RETURNS TABLE (id bigint, distance double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT i.id, ST_Distance(i.geom::geography, p_geom::geography) AS distance
    FROM incidents i
    WHERE i.status IN ('reported', 'assigned', 'in_progress')
      AND i.source <> p_source AND i.category = p_category
      AND i.reported_at BETWEEN p_from AND p_to
      AND i.geom && ST_Expand(p_geom, p_distance / 80000.0)
      AND ST_DWithin(i.geom::geography, p_geom::geography, p_distance)
      AND CASE WHEN minqing_context() IS NULL THEN minqing_owner_session()
               ELSE minqing_in_scope(i.district_code, i.street_code, i.community_code,
                                     i.grid_code) END
    ORDER BY distance, i.id
    LIMIT 1
$$;
REVOKE EXECUTE ON FUNCTION
    minqing_open_case_near(geometry, double precision, text, text, timestamptz, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    minqing_open_case_near(geometry, double precision, text, text, timestamptz, timestamptz)
    TO minqing_app;
