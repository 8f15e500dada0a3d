-- Rule grid_surge: small grids whose reports in the recent window rise far above their own
-- baseline (Poisson-style test, see rules/warnings.toml). Reads the reports of the two
-- windows through the btree on reported_at, grouped by the grid stored on each incident.
SELECT 'grid_surge'::text AS kind,
       'grid_surge:' || s.grid_code AS dedup_key,
       s.district_code, s.street_code, s.community_code, s.grid_code,
       ST_PointOnSurface(a.geom) AS geom,
       NULL::text AS category,
       NULL::text AS address,
       jsonb_build_object(
           'observed', s.recent,
           'expected', round(e.expected::numeric, 2),
           'ratio', round((s.recent / nullif(e.expected, 0))::numeric, 2),
           'baseline_total', s.base,
           'baseline_daily', round((s.base::float8 / %(baseline_days)s)::numeric, 3),
           'recent_days', %(recent_days)s,
           'baseline_days', %(baseline_days)s) AS figures,
       %(recent_from)s::timestamptz AS window_start,
       %(now)s::timestamptz AS window_end
FROM (
    SELECT grid_code,
           min(community_code) AS community_code,
           min(street_code) AS street_code,
           min(district_code) AS district_code,
           count(*) FILTER (WHERE reported_at >= %(recent_from)s) AS recent,
           count(*) FILTER (WHERE reported_at < %(recent_from)s) AS base
    FROM incidents
    WHERE reported_at >= %(base_from)s AND reported_at < %(now)s
    GROUP BY grid_code
) s
CROSS JOIN LATERAL (
    SELECT s.base::float8 / %(baseline_days)s * %(recent_days)s AS expected
) e
JOIN current_areas a ON a.code = s.grid_code AND a.level = 'grid'
WHERE s.recent >= %(min_count)s
  AND s.recent >= e.expected + %(z)s * sqrt(greatest(e.expected, %(min_expected)s))
  AND s.recent >= %(min_ratio)s * greatest(e.expected, %(min_expected)s)
