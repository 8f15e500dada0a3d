-- Intake: every row with its place, its outcome (why it is not taken, 'duplicate', 'linked'
-- or 'new'; a point outside the city that lies in it with longitude and latitude swapped is
-- named as such) and, for a new case, the center serving its grid at the level it starts at: the
-- community's workstation, its command post or its sub-center (the next one up when a level
-- has none; the city center last).
CREATE TEMP TABLE ingest_final ON COMMIT DROP AS
WITH communities AS (
    SELECT DISTINCT community_code, street_code, district_code FROM ingest_grids
), chains AS (
    SELECT m.community_code, ws.code AS ws, post.code AS post, sub.code AS sub, city.code AS city
    FROM communities m
    LEFT JOIN LATERAL (
        SELECT code, parent_code FROM centers
        WHERE level = 'workstation' AND area_code = m.community_code
        ORDER BY code LIMIT 1) ws ON true
    LEFT JOIN LATERAL (
        SELECT code, parent_code FROM centers
        WHERE level = 'command_post'
          AND (code = ws.parent_code OR (ws.parent_code IS NULL AND area_code = m.street_code))
        ORDER BY code LIMIT 1) post ON true
    LEFT JOIN LATERAL (
        SELECT code FROM centers
        WHERE level = 'sub_center'
          AND (code = post.parent_code
               OR (post.parent_code IS NULL AND area_code = m.district_code))
        ORDER BY code LIMIT 1) sub ON true
    LEFT JOIN LATERAL (
        SELECT code FROM centers WHERE level = 'city_center' ORDER BY code LIMIT 1) city ON true
), rows AS (
    SELECT r.line, r.source, r.source_id, r.category, r.subcategory, r.source_category,
           r.source_subcategory, r.severity,
           r.is_major_risk, r.description, r.address, r.address_key, r.reported_at,
           r.deadline_at, r.reporter_name, r.reporter_phone, r.reporter_id_number,
           p.geom, p.placed_by, g.grid_code, g.community_code, g.street_code, g.district_code,
           CASE WHEN r.outcome IS NOT NULL THEN r.outcome
                WHEN p.geom IS NULL THEN 'no_location'
                -- a point outside whose longitude and latitude, swapped back, lie in the city
                WHEN g.grid_code IS NULL AND p.placed_by = 'point' AND EXISTS (
                    SELECT 1 FROM current_areas city
                    WHERE city.level = 'city'
                      AND ST_DWithin(city.geom, ST_SetSRID(ST_MakePoint(r.lat, r.lon), 4490),
                                     0.01)) THEN 'swapped_coordinates'
                WHEN g.grid_code IS NULL THEN 'outside_city'
                WHEN k.line IS NOT NULL THEN 'duplicate'
                WHEN m.line IS NOT NULL THEN 'linked'
                ELSE 'new' END AS outcome,
           m.link_to, m.link_distance,
           CASE r.start_level
                WHEN 0 THEN coalesce(c.ws, c.post, c.sub, c.city)
                WHEN 1 THEN coalesce(c.post, c.sub, c.city)
                ELSE coalesce(c.sub, c.city) END AS center,
           c.ws, c.post, c.sub
    FROM ingest_rows r
    LEFT JOIN ingest_points p ON p.line = r.line
    LEFT JOIN ingest_grids g ON g.line = r.line
    LEFT JOIN ingest_known k ON k.line = r.line
    LEFT JOIN ingest_matches m ON m.line = r.line
    LEFT JOIN chains c ON c.community_code = g.community_code
)
SELECT rows.*,
       CASE WHEN center IS NULL THEN NULL
            WHEN center = ws THEN 'workstation'
            WHEN center = post THEN 'command_post'
            WHEN center = sub THEN 'sub_center'
            ELSE 'city_center' END AS handling_level
FROM rows
