-- Insert the replaced level's areas from the staging table boundary_staged.
-- %(new)s: the new version; %(level)s: their level.
INSERT INTO areas (version_id, code, parent_code, name, level, kind, population, geom,
                   geom_display)
SELECT %(new)s, code, parent_code, name, %(level)s, nullif(kind, ''), population,
       ST_GeomFromWKB(decode(geom_hex, 'hex'), 4490),
       ST_GeomFromWKB(decode(display_hex, 'hex'), 4490)
FROM boundary_staged
