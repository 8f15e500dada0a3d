-- Intake of a few rows (the map service's pushes, small imports) in one statement: the same
-- steps and answers as the big import's temporary tables (ingest_rows_table.sql through
-- ingest_gazetteer_learn.sql), without their creation, indexes and ANALYZE, which cost more
-- than the work for a few rows. The `rows` parameter is the checked rows as JSON; the statement
-- places them (their own point, else their address's; the grid through minqing_grid_at),
-- finds the ones stored already, links the ones near an open case of another source, routes
-- and stores the new cases and the linked reports, learns the addresses, and answers with one
-- row: the stored cases (JSON text, for their 'reported' events: ingest_few_events.sql), the
-- links stored, the outcome counts, the rows placed by address, and the rows not taken.
WITH r AS MATERIALIZED (
    SELECT *
    FROM json_to_recordset(%(rows)s::json) AS r (
        line integer, source text, source_id text, category text, subcategory text,
        source_category text, source_subcategory text, severity smallint,
        is_major_risk boolean, description text, address text, address_key text,
        lon double precision, lat double precision, reported_at timestamptz,
        deadline_at timestamptz, reporter_name text, reporter_phone text,
        reporter_id_number text, start_level smallint, outcome text)
), points AS MATERIALIZED (
    SELECT r.line,
           CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4490)
                ELSE g.geom END AS geom,
           CASE WHEN r.lon IS NOT NULL THEN 'point' ELSE 'address' END AS placed_by,
           r.category, r.source, r.reported_at
    FROM r
    LEFT JOIN address_gazetteer g
        ON r.lon IS NULL AND r.address_key <> '' AND g.address_key = r.address_key
    WHERE r.outcome IS NULL AND (r.lon IS NOT NULL OR g.geom IS NOT NULL)
), grids AS MATERIALIZED (
    SELECT p.line, g.grid_code, g.community_code, g.street_code, g.district_code, p.geom,
           p.category, p.source, p.reported_at
    FROM points p CROSS JOIN LATERAL minqing_grid_at(p.geom) g
), known AS MATERIALIZED (
    -- each row looked up by its (source, source id) (migration 220)
    SELECT r.line
    FROM r CROSS JOIN LATERAL minqing_stored_before(r.source, r.source_id) stored_before
    WHERE r.outcome IS NULL
), matches AS MATERIALIZED (
    -- from the placed rows alone (each carries what the lookup needs): joining the steps by
    -- line here was a nested loop over them, the planner guessing one row each (500 rows:
    -- 250,000 comparisons per step); NOT IN a hashed list of the known lines likewise
    SELECT g.line, near.id AS link_to, near.distance AS link_distance
    FROM grids g
    CROSS JOIN LATERAL minqing_open_case_near(
        g.geom, %(distance)s, g.category, g.source,
        g.reported_at - make_interval(secs => %(hours)s * 3600),
        g.reported_at + make_interval(secs => %(hours)s * 3600)) near
    WHERE g.line NOT IN (SELECT k.line FROM known k)
), communities AS (
    SELECT DISTINCT community_code, street_code, district_code FROM grids
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
), routed AS (
    SELECT r.line, r.source, r.source_id, r.category, r.subcategory, r.source_category,
           r.source_subcategory, r.severity, r.is_major_risk, r.description, r.address,
           r.address_key, r.reported_at, r.deadline_at, r.reporter_name, r.reporter_phone,
           r.reporter_id_number, p.geom, p.placed_by, g.grid_code, g.community_code,
           g.street_code, g.district_code,
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
    FROM r
    LEFT JOIN points p ON p.line = r.line
    LEFT JOIN grids g ON g.line = r.line
    LEFT JOIN known k ON k.line = r.line
    LEFT JOIN matches m ON m.line = r.line
    LEFT JOIN chains c ON c.community_code = g.community_code
), final AS MATERIALIZED (
    SELECT routed.*,
           CASE WHEN center IS NULL THEN NULL
                WHEN center = ws THEN 'workstation'
                WHEN center = post THEN 'command_post'
                WHEN center = sub THEN 'sub_center'
                ELSE 'city_center' END AS handling_level
    FROM routed
), stored AS (
    INSERT INTO incidents (source, source_id, category, subcategory, source_category,
                           source_subcategory, severity, is_major_risk, description, address,
                           geom, grid_code, community_code, street_code, district_code,
                           reported_at, deadline_at, status, assigned_center, handling_level,
                           reporter_name, reporter_phone, reporter_id_number)
    SELECT source, source_id, category, subcategory, source_category, source_subcategory,
           severity, is_major_risk, description, address, geom, grid_code, community_code,
           street_code, district_code, reported_at, deadline_at, 'reported', center,
           handling_level, reporter_name, reporter_phone, reporter_id_number
    FROM final
    WHERE outcome = 'new'
    ORDER BY reported_at
    ON CONFLICT (source, source_id) WHERE source_id IS NOT NULL DO NOTHING
    RETURNING id, reported_at, source_id, assigned_center
), linked AS (
    INSERT INTO incident_links (incident_id, source, source_id, category, subcategory,
                                source_category, source_subcategory, severity, description,
                                address, geom, reported_at, reporter_name, reporter_phone,
                                reporter_id_number, distance_m, linked_by)
    SELECT link_to, source, source_id, category, subcategory, source_category,
           source_subcategory, severity, description, address, geom, reported_at,
           reporter_name, reporter_phone, reporter_id_number, link_distance, %(actor)s
    FROM final
    WHERE outcome = 'linked'
    ON CONFLICT (source, source_id) WHERE source_id IS NOT NULL DO NOTHING
    RETURNING 1
), learned AS (
    -- addresses that came with a point become known (the first point of an address is kept)
    INSERT INTO address_gazetteer (address_key, address, geom, grid_code)
    SELECT DISTINCT ON (address_key) address_key, address, geom, grid_code
    FROM final
    WHERE outcome IN ('new', 'linked', 'duplicate') AND placed_by = 'point'
      AND address_key <> ''
    ORDER BY address_key, reported_at
    ON CONFLICT (address_key) DO NOTHING
)
SELECT (SELECT coalesce(json_agg(json_build_object(
            'id', id, 'at', reported_at, 'source_id', source_id, 'center', assigned_center)),
            '[]')::text
        FROM stored) AS stored,
       (SELECT count(*) FROM linked) AS linked,
       (SELECT coalesce(json_object_agg(outcome, n), '{}')
        FROM (SELECT outcome, count(*) AS n FROM final GROUP BY outcome) o) AS counts,
       (SELECT count(*) FROM final
        WHERE placed_by = 'address' AND outcome IN ('new', 'linked', 'duplicate'))
           AS placed_by_address,
       (SELECT coalesce(json_agg(json_build_array(line, outcome) ORDER BY line), '[]')
        FROM final WHERE outcome NOT IN ('new', 'linked', 'duplicate')) AS not_taken
