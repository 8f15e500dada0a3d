-- Carry every area of the base version into the new one, except the level being replaced.
-- %(new)s: the new version; %(base)s: the base version; %(level)s: the replaced level.
INSERT INTO areas (version_id, code, parent_code, name, level, kind, population, geom,
                   geom_display)
SELECT %(new)s, code, parent_code, name, level, kind, population, geom, geom_display
FROM areas
WHERE version_id = %(base)s AND level <> %(level)s
