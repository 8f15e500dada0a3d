-- Map service tiles (geo/sql/mapapi_tile_areas.sql): the outlines of the current version's grids
-- and communities cut for every tile of zooms 0-15 once, when the version becomes current,
-- instead of in every tile drawn. A tile of these levels then reads its areas' cuts (already in
-- the tile's coordinates, exactly what ST_AsMVTGeom gives for the tile) and only encodes them
-- with their colours: a z10 tile over the centre 2.0 -> 0.6 ms in the database (issue 16).
-- The cuts are those the statement drew itself: an area whose outline crosses the tile with its
-- buffer and leaves something in it. A version without cuts (earlier ones until they are made
-- current again, a level or zoom not cut) is drawn as before: the statement picks its way by
-- `area_tile_cut_sets`, which also records the extent and buffer the cuts were made with (the
-- tiles' own: geo.mapapi.tiles.EXTENT and BUFFER; a tile of others is cut per tile). Only the
-- current version is kept cut (the Lanzhou demo's 7,507 grids
-- and 1,086 communities: 200,142 cuts in 5.8 s, 49 MB and a 16 MB index).
-- The app's role reads the cuts (the areas' own policy: everyone) and writes them only through
-- minqing_cut_area_tiles, which the owner and those who may publish boundaries call.
CREATE TABLE area_tile_cuts (
    version_id  integer  NOT NULL REFERENCES boundary_versions (id) ON DELETE CASCADE,
    level       text     NOT NULL,
    z           smallint NOT NULL,
    x           integer  NOT NULL,
    y           integer  NOT NULL,
    code        text     NOT NULL,
    name        text     NOT NULL,
    parent_code text,
    geom        geometry NOT NULL,
    PRIMARY KEY (version_id, level, z, x, y, code)
);
CREATE TABLE area_tile_cut_sets (
    version_id integer  NOT NULL REFERENCES boundary_versions (id) ON DELETE CASCADE,
    level      text     NOT NULL,
    max_zoom   smallint NOT NULL,
    extent     integer  NOT NULL,
    buffer     integer  NOT NULL,
    PRIMARY KEY (version_id, level)
);
ALTER TABLE area_tile_cuts ENABLE ROW LEVEL SECURITY;
CREATE POLICY area_tile_cuts_read ON area_tile_cuts FOR SELECT TO minqing_app USING (true);
ALTER TABLE area_tile_cut_sets ENABLE ROW LEVEL SECURITY;
CREATE POLICY area_tile_cut_sets_read ON area_tile_cut_sets FOR SELECT TO minqing_app
    USING (true);
GRANT SELECT ON area_tile_cuts, area_tile_cut_sets TO minqing_app;

-- Cut the current version's grids and communities for zooms 0-15 (nothing when they are cut
-- already) and drop the cuts of every other version, in the caller's transaction: a
-- publication or a rollback that fails leaves the cuts as they were. (PostGIS is in the schema
-- public, which only the owner may create in.)
CREATE FUNCTION minqing_cut_area_tiles(p_version integer) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    origin constant double precision := 20037508.342789244;  -- ST_TileEnvelope's bounds
    extent constant integer := 4096;
    buffer constant integer := 64;
    margin constant double precision := buffer::double precision / extent;
BEGIN
    IF NOT (minqing_owner_session() OR minqing_may_publish()) THEN
        RAISE EXCEPTION 'only GIS staff and administrators publish boundaries'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM boundary_versions WHERE id = p_version AND is_current) THEN
        RAISE EXCEPTION 'boundary version % is not the current one', p_version
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM area_tile_cut_sets WHERE version_id <> p_version;
    DELETE FROM area_tile_cuts WHERE version_id <> p_version;
    IF EXISTS (SELECT 1 FROM area_tile_cut_sets WHERE version_id = p_version) THEN
        RETURN;
    END IF;
    DELETE FROM area_tile_cuts WHERE version_id = p_version;  -- cuts left without their set
    INSERT INTO area_tile_cuts (version_id, level, z, x, y, code, name, parent_code, geom)
    SELECT p_version, a.level, t.z, t.x, t.y, a.code, a.name, a.parent_code, t.geom
    FROM areas a
    CROSS JOIN generate_series(0, 15) AS zoom (z)
    CROSS JOIN LATERAL (
        SELECT 2 * origin / 2 ^ zoom.z AS side, 2 ^ zoom.z - 1 AS last
    ) w
    CROSS JOIN LATERAL (
        SELECT zoom.z, x, y,
               ST_AsMVTGeom(a.geom_tile, ST_TileEnvelope(zoom.z, x, y), extent, buffer, true)
                   AS geom
        FROM generate_series(
                 greatest(0, floor((ST_XMin(a.geom_tile) + origin) / w.side - margin))::integer,
                 least(w.last, floor((ST_XMax(a.geom_tile) + origin) / w.side + margin))::integer
             ) AS x
        CROSS JOIN generate_series(
                 greatest(0, floor((origin - ST_YMax(a.geom_tile)) / w.side - margin))::integer,
                 least(w.last, floor((origin - ST_YMin(a.geom_tile)) / w.side + margin))::integer
             ) AS y
        WHERE a.geom_tile && ST_TileEnvelope(zoom.z, x, y, margin => margin)
    ) t
    WHERE a.version_id = p_version AND a.level IN ('grid', 'community') AND t.geom IS NOT NULL;
    INSERT INTO area_tile_cut_sets (version_id, level, max_zoom, extent, buffer)
    VALUES (p_version, 'grid', 15, extent, buffer), (p_version, 'community', 15, extent, buffer);
END
$$;
REVOKE EXECUTE ON FUNCTION minqing_cut_area_tiles(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION minqing_cut_area_tiles(integer) TO minqing_app;

SELECT minqing_cut_area_tiles(id) FROM boundary_versions WHERE is_current;
ANALYZE area_tile_cuts;
