-- The bounding box of the current areas at one level (west, south, east, north).
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(geom) AS e FROM current_areas WHERE level = %(level)s) AS extent
