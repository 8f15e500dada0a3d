-- Map service: points given as arrays (early warnings) inside one tile, as a layer %(layer)s.
WITH given AS (
    SELECT * FROM unnest(%(id)s::bigint[], %(kind)s::text[], %(status)s::text[],
                         %(zh)s::text[], %(en)s::text[], %(lon)s::float8[], %(lat)s::float8[])
        AS g (id, kind, status, reason_zh, reason_en, lon, lat)
), points AS (
    SELECT g.id, g.kind, g.status, g.reason_zh, g.reason_en,
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s, true) AS geom
    FROM given g
)
SELECT ST_AsMVT(points, %(layer)s, %(extent)s, 'geom') FROM points WHERE geom IS NOT NULL
