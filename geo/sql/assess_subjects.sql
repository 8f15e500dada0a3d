-- Who is scored (issue 17): every center with the codes of the area it serves, and every small
-- grid of the current boundaries with its community, street and district.
SELECT 'center' AS kind, c.code, c.name, c.level, c.parent_code,
       CASE a.level WHEN 'district' THEN a.code WHEN 'street' THEN p.code
                    WHEN 'community' THEN pp.code END AS district_code,
       CASE a.level WHEN 'street' THEN a.code WHEN 'community' THEN p.code END AS street_code,
       CASE a.level WHEN 'community' THEN a.code END AS community_code,
       NULL AS grid_code
FROM centers c
LEFT JOIN current_areas a ON a.code = c.area_code
LEFT JOIN current_areas p ON p.code = a.parent_code AND p.version_id = a.version_id
LEFT JOIN current_areas pp ON pp.code = p.parent_code AND pp.version_id = p.version_id
UNION ALL
SELECT 'grid', g.code, c.name || g.name, 'grid', c.code,
       s.parent_code, s.code, c.code, g.code
FROM current_areas g
JOIN current_areas c ON c.code = g.parent_code AND c.version_id = g.version_id
JOIN current_areas s ON s.code = c.parent_code AND s.version_id = c.version_id
WHERE g.level = 'grid'
ORDER BY 1, 2
