-- Every current area with its name, level, parent, a label point and its bounding box.
SELECT a.code, a.parent_code, a.name, a.level,
       ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat,
       ST_XMin(a.geom) AS west, ST_YMin(a.geom) AS south,
       ST_XMax(a.geom) AS east, ST_YMax(a.geom) AS north
FROM current_areas a
ORDER BY a.code
