-- Map service: incidents matching {conditions} counted per area (the column {unit} of each
-- incident: its community or grid) for the areas whose label point is in the tile (given as
-- arrays), as a Mapbox Vector Tile layer of points: count, major risks, overdue.
WITH units AS (
    SELECT * FROM unnest(%(u_code)s::text[], %(u_lon)s::float8[], %(u_lat)s::float8[])
        AS u (code, lon, lat)
), counts AS (
    SELECT {unit} AS code, count(*) AS count,
           count(*) FILTER (WHERE i.is_major_risk) AS major,
           count(*) FILTER (WHERE i.status IN ('reported', 'assigned', 'in_progress')
                                  AND i.deadline_at < %(now)s) AS overdue
    FROM incidents i
    WHERE {conditions} AND i.grid_code = ANY(%(grids)s::text[])
    GROUP BY 1
), points AS (
    SELECT c.code, c.count, c.major, c.overdue,
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), %(extent)s, %(buffer)s, true) AS geom
    FROM counts c
    JOIN units u ON u.code = c.code
)
SELECT ST_AsMVT(points, 'incidents', %(extent)s, 'geom') FROM points WHERE geom IS NOT NULL
