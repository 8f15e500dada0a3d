-- Per district: residents, streets, grids, incidents since %(since)s, open and overdue cases now.
WITH tree AS (
    SELECT s.parent_code AS district_code,
           count(DISTINCT s.code) AS streets, count(g.code) AS grids
    FROM current_areas s
    LEFT JOIN current_areas c ON c.parent_code = s.code AND c.level = 'community'
    LEFT JOIN current_areas g ON g.parent_code = c.code AND g.level = 'grid'
    WHERE s.level = 'street'
    GROUP BY s.parent_code
), cases AS (
    SELECT district_code,
           count(*) FILTER (WHERE reported_at >= %(since)s) AS recent,
           count(*) FILTER (WHERE status IN ('reported', 'assigned', 'in_progress')) AS open,
           count(*) FILTER (WHERE status IN ('reported', 'assigned', 'in_progress')
                             AND deadline_at < %(now)s) AS overdue
    FROM incidents
    GROUP BY district_code
)
SELECT d.code, d.name, d.population,
       coalesce(t.streets, 0) AS streets, coalesce(t.grids, 0) AS grids,
       coalesce(c.recent, 0) AS recent, coalesce(c.open, 0) AS open,
       coalesce(c.overdue, 0) AS overdue
FROM current_areas d
LEFT JOIN tree t ON t.district_code = d.code
LEFT JOIN cases c ON c.district_code = d.code
WHERE d.level = 'district'
ORDER BY d.code
