-- Rule category_cluster: DBSCAN per category over the window's incidents in a projected CRS
-- (metres): a cluster of at least min_points incidents, each within radius_m of a core
-- incident, from at least min_addresses different addresses. The warning sits at the
-- cluster's mean point, in the grid most of its incidents were assigned to; its key is the
-- category and that grid.
WITH recent AS (
    SELECT id, category, address, reported_at, geom,
           ARRAY[district_code, street_code, community_code, grid_code] AS codes,
           ST_ClusterDBSCAN(ST_Transform(geom, %(srid)s), eps := %(radius_m)s,
                            minpoints := %(min_points)s) OVER (PARTITION BY category) AS cid
    FROM incidents
    WHERE reported_at >= %(start)s AND reported_at < %(now)s
),
clusters AS (
    SELECT category,
           count(*) AS n,
           count(DISTINCT regexp_replace(address, '\s+', '', 'g')) AS addresses,
           mode() WITHIN GROUP (ORDER BY codes) AS codes,
           ST_Centroid(ST_Collect(geom)) AS geom,
           min(reported_at) AS first_at,
           max(reported_at) AS last_at,
           (array_agg(id ORDER BY reported_at DESC))[1:20] AS ids
    FROM recent
    WHERE cid IS NOT NULL
    GROUP BY category, cid
    HAVING count(*) >= %(min_points)s
       AND count(DISTINCT regexp_replace(address, '\s+', '', 'g')) >= %(min_addresses)s
)
SELECT 'category_cluster'::text AS kind,
       'category_cluster:' || c.category || ':' || c.codes[4] AS dedup_key,
       c.codes[1] AS district_code, c.codes[2] AS street_code, c.codes[3] AS community_code,
       c.codes[4] AS grid_code,
       c.geom,
       c.category,
       NULL::text AS address,
       jsonb_build_object(
           'observed', c.n,
           'addresses', c.addresses,
           'radius_m', %(radius_m)s,
           'hours', %(hours)s,
           'first_at', c.first_at,
           'last_at', c.last_at,
           'incident_ids', c.ids) AS figures,
       %(start)s::timestamptz AS window_start,
       %(now)s::timestamptz AS window_end
FROM clusters c
