-- Map service: the areas of a level in the current boundaries crossing one Web Mercator tile,
-- as a Mapbox Vector Tile layer (%(layer)s). Only the codes in %(codes)s when it is not NULL
-- (a client scoped below the city). The grid status of red and yellow grids comes as arrays
-- (the others are %(default_color)s: blue for grids, NULL for other levels). The features
-- come in the order of their codes, whatever the plan.
-- The outlines come cut for the tile already when the version's level is cut to this zoom,
-- extent and buffer (migration 253: the current version's grids and communities, zooms
-- 0-15); else they are cut here, from the outlines stored in Web Mercator (migration 170: no
-- transform per area and tile). Both ways give the same features.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s) AS box
), status AS (
    SELECT * FROM unnest(%(s_code)s::text[], %(s_color)s::text[], %(s_zh)s::text[],
                         %(s_en)s::text[]) AS s (code, color, reason_zh, reason_en)
), cut AS (
    SELECT EXISTS (SELECT 1 FROM area_tile_cut_sets
                   WHERE version_id = %(version)s AND level = %(level)s
                     AND max_zoom >= %(z)s AND extent = %(extent)s AND buffer = %(buffer)s)
           AS ready
), shapes AS MATERIALIZED (  -- each outline cut once (the filter below would cut it again)
    SELECT c.code, c.name, c.parent_code,
           coalesce(s.color, %(default_color)s) AS color,
           s.reason_zh, s.reason_en, c.geom
    FROM area_tile_cuts c
    LEFT JOIN status s ON s.code = c.code
    WHERE (SELECT ready FROM cut)
      AND c.version_id = %(version)s AND c.level = %(level)s
      AND c.z = %(z)s AND c.x = %(x)s AND c.y = %(y)s
      AND (%(codes)s::text[] IS NULL OR c.code = ANY(%(codes)s::text[]))
    UNION ALL
    SELECT a.code, a.name, a.parent_code,
           coalesce(s.color, %(default_color)s) AS color,
           s.reason_zh, s.reason_en,
           ST_AsMVTGeom(a.geom_tile, b.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM areas a
    CROSS JOIN bounds b
    LEFT JOIN status s ON s.code = a.code
    WHERE NOT (SELECT ready FROM cut)
      AND a.version_id = %(version)s AND a.level = %(level)s AND a.geom_tile && b.box
      AND (%(codes)s::text[] IS NULL OR a.code = ANY(%(codes)s::text[]))
)
SELECT ST_AsMVT(shapes, %(layer)s, %(extent)s, 'geom' ORDER BY code) FROM shapes
WHERE geom IS NOT NULL
