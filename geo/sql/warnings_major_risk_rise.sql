-- Rule major_risk_rise: per district and category, major-risk reports in the recent window
-- far above the baseline (same test as grid_surge). The warning sits in its district.
SELECT 'major_risk_rise'::text AS kind,
       'major_risk_rise:' || s.district_code || ':' || s.category AS dedup_key,
       s.district_code, NULL::text AS street_code, NULL::text AS community_code,
       NULL::text AS grid_code,
       ST_PointOnSurface(a.geom) AS geom,
       s.category,
       NULL::text AS address,
       jsonb_build_object(
           'observed', s.recent,
           'expected', round(e.expected::numeric, 2),
           'ratio', round((s.recent / nullif(e.expected, 0))::numeric, 2),
           'baseline_total', s.base,
           'baseline_daily', round((s.base::float8 / %(baseline_days)s)::numeric, 3),
           'recent_days', %(recent_days)s,
           'baseline_days', %(baseline_days)s,
           'incident_ids', s.ids) AS figures,
       %(recent_from)s::timestamptz AS window_start,
       %(now)s::timestamptz AS window_end
FROM (
    SELECT district_code, category,
           count(*) FILTER (WHERE reported_at >= %(recent_from)s) AS recent,
           count(*) FILTER (WHERE reported_at < %(recent_from)s) AS base,
           (array_agg(id ORDER BY reported_at DESC)
               FILTER (WHERE reported_at >= %(recent_from)s))[1:20] AS ids
    FROM incidents
    WHERE is_major_risk AND reported_at >= %(base_from)s AND reported_at < %(now)s
    GROUP BY district_code, category
) s
CROSS JOIN LATERAL (
    SELECT s.base::float8 / %(baseline_days)s * %(recent_days)s AS expected
) e
JOIN current_areas a ON a.code = s.district_code AND a.level = 'district'
WHERE s.recent >= %(min_count)s
  AND s.recent >= e.expected + %(z)s * sqrt(greatest(e.expected, %(min_expected)s))
  AND s.recent >= %(min_ratio)s * greatest(e.expected, %(min_expected)s)
