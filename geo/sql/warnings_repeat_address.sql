-- Rule repeat_address: one address (spaces ignored) reporting at least min_reports times in
-- the window. The warning sits at the mean of its reports' points, in the grid most of them
-- were assigned to.
SELECT 'repeat_address'::text AS kind,
       'repeat_address:' || md5(s.address) AS dedup_key,
       s.codes[1] AS district_code, s.codes[2] AS street_code, s.codes[3] AS community_code,
       s.codes[4] AS grid_code,
       s.geom,
       s.category,
       s.address,
       jsonb_build_object(
           'observed', s.n,
           'days', %(days)s,
           'categories', s.categories,
           'first_at', s.first_at,
           'last_at', s.last_at,
           'incident_ids', s.ids) AS figures,
       %(start)s::timestamptz AS window_start,
       %(now)s::timestamptz AS window_end
FROM (
    SELECT regexp_replace(address, '\s+', '', 'g') AS address,
           count(*) AS n,
           count(DISTINCT category) AS categories,
           mode() WITHIN GROUP (ORDER BY category) AS category,
           mode() WITHIN GROUP (
               ORDER BY ARRAY[district_code, street_code, community_code, grid_code]) AS codes,
           ST_Centroid(ST_Collect(geom)) AS geom,
           min(reported_at) AS first_at,
           max(reported_at) AS last_at,
           (array_agg(id ORDER BY reported_at DESC))[1:20] AS ids
    FROM incidents
    WHERE reported_at >= %(start)s AND reported_at < %(now)s AND btrim(address) <> ''
    GROUP BY 1
    HAVING count(*) >= %(min_reports)s
) s
