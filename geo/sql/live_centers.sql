-- The command centers: level, the area each serves, and where it stands.
SELECT c.code, c.name, c.level, c.area_code, c.parent_code, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat
FROM centers c
ORDER BY c.code
