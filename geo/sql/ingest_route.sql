-- Intake: the center that serves the grid at the level the case starts at: the community's
-- workstation, its command post or its sub-center (the next one up when a level has none).
-- The rows still without an outcome are the new cases.
UPDATE ingest_rows SET outcome = 'new' WHERE outcome IS NULL;

UPDATE ingest_rows r
SET center = m.code, handling_level = m.level
FROM (
    SELECT r.line, chosen.code, chosen.level
    FROM ingest_rows r
    LEFT JOIN LATERAL (
        SELECT code, parent_code FROM centers
        WHERE level = 'workstation' AND area_code = r.community_code
        ORDER BY code LIMIT 1) ws ON true
    LEFT JOIN LATERAL (
        SELECT code, parent_code FROM centers
        WHERE (code = ws.parent_code AND level = 'command_post')
           OR (ws.parent_code IS NULL AND level = 'command_post' AND area_code = r.street_code)
        ORDER BY code LIMIT 1) post ON true
    LEFT JOIN LATERAL (
        SELECT code FROM centers
        WHERE (code = post.parent_code AND level = 'sub_center')
           OR (post.parent_code IS NULL AND level = 'sub_center' AND area_code = r.district_code)
        ORDER BY code LIMIT 1) sub ON true
    LEFT JOIN LATERAL (
        SELECT code FROM centers WHERE level = 'city_center' ORDER BY code LIMIT 1) city ON true
    CROSS JOIN LATERAL (
        SELECT c.code, c.level FROM centers c
        WHERE c.code = CASE r.start_level
            WHEN 0 THEN coalesce(ws.code, post.code, sub.code, city.code)
            WHEN 1 THEN coalesce(post.code, sub.code, city.code)
            ELSE coalesce(sub.code, city.code) END) chosen
    WHERE r.outcome = 'new'
) m
WHERE m.line = r.line
