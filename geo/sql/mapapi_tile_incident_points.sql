-- Map service: the incidents matching {conditions} inside one tile as points (zoomed in),
-- found through the codes of the grids crossing the tile (%(grids)s). The tile's boxes are
-- worked out once (MATERIALIZED: inlined, the box's transform was computed again for every
-- case of those grids, 0.02 ms each).
WITH bounds AS MATERIALIZED (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4490) AS box
), points AS (
    SELECT i.id, i.source, i.category, i.subcategory, i.severity, i.is_major_risk, i.status,
           i.status IN ('reported', 'assigned', 'in_progress') AND i.deadline_at < %(now)s
               AS overdue,
           to_char(i.reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS+08:00')
               AS reported_at,
           i.grid_code,
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(i.geom, 4326), 3857), b.tile,
                        %(extent)s, %(buffer)s, true) AS geom
    FROM incidents i
    CROSS JOIN bounds b
    WHERE {conditions} AND i.grid_code = ANY(%(grids)s::text[]) AND i.geom && b.box
    ORDER BY i.id DESC
    LIMIT %(most)s
)
SELECT ST_AsMVT(points, 'incidents', %(extent)s, 'geom') FROM points WHERE geom IS NOT NULL
