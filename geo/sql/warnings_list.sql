-- Warnings of some statuses (and kinds; NULL: all) whose area is or lies in %(area)s (NULL:
-- the whole city), newest first, with the name of the finest area they sit in and the names
-- of their areas from the district down (district › street › community › grid).
SELECT w.id, w.kind, w.status, w.district_code, w.street_code, w.community_code, w.grid_code,
       ST_X(w.geom), ST_Y(w.geom), w.category, w.address, w.figures, w.window_start,
       w.window_end, w.detected_at, w.last_seen_at, w.assigned_center, w.closed_at,
       coalesce(a.name, ''),
       array_remove(ARRAY[d.name, s.name, c.name, g.name], NULL)
FROM warnings w
LEFT JOIN current_areas a
       ON a.code = coalesce(w.grid_code, w.community_code, w.street_code, w.district_code)
LEFT JOIN current_areas d ON d.code = w.district_code
LEFT JOIN current_areas s ON s.code = w.street_code
LEFT JOIN current_areas c ON c.code = w.community_code
LEFT JOIN current_areas g ON g.code = w.grid_code
WHERE w.status = ANY(%(statuses)s)
  AND (%(kinds)s::text[] IS NULL OR w.kind = ANY(%(kinds)s::text[]))
  AND (%(area)s::text IS NULL OR %(area)s IN (w.district_code, w.street_code,
                                              w.community_code, w.grid_code))
ORDER BY w.detected_at DESC, w.id DESC
LIMIT %(limit)s
