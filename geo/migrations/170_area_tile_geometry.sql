-- Map service tiles (geo/sql/mapapi_tile_areas.sql): each area's outline in Web Mercator
-- (EPSG:3857, from the stored CGCS2000 coordinates taken as WGS84, as the tiles always took
-- them), computed once when the area is written instead of for every area in every tile
-- drawn, with its own spatial index to find the areas crossing a tile. The areas' policy for
-- the app's role is `true`, so row-level security does not keep the index out.
ALTER TABLE areas ADD COLUMN geom_tile geometry(MultiPolygon, 3857)
    GENERATED ALWAYS AS (ST_Transform(ST_SetSRID(geom, 4326), 3857)) STORED;
CREATE INDEX areas_geom_tile_idx ON areas USING gist (geom_tile);
-- statistics of the new column, so that a tile's plan knows how many areas it will cut
ANALYZE areas;
