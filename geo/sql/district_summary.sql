-- Per district: residents, streets and grids (the incidents' counts: district_recent.sql and
-- district_open.sql, each through an index of its own).
WITH tree AS (
    SELECT s.parent_code AS district_code,
           count(DISTINCT s.code) AS streets, count(g.code) AS grids
    FROM current_areas s
    LEFT JOIN current_areas c ON c.parent_code = s.code AND c.level = 'community'
    LEFT JOIN current_areas g ON g.parent_code = c.code AND g.level = 'grid'
    WHERE s.level = 'street'
    GROUP BY s.parent_code
)
SELECT d.code, d.name, d.population,
       coalesce(t.streets, 0) AS streets, coalesce(t.grids, 0) AS grids
FROM current_areas d
LEFT JOIN tree t ON t.district_code = d.code
WHERE d.level = 'district'
ORDER BY d.code
