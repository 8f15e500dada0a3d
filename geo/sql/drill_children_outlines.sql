-- The children of %(code)s with their display outlines, residents and a label point; the
-- area itself when %(self)s (its outline frames the map). With %(view)s above 0 (degrees:
-- half a pixel of the map that shows them) the outlines are simplified to that.
SELECT a.code, a.parent_code, a.name, a.level, a.population,
       ST_AsGeoJSON(CASE WHEN %(view)s > 0
                         THEN ST_SimplifyPreserveTopology(coalesce(a.geom_display, a.geom),
                                                          %(view)s)
                         ELSE coalesce(a.geom_display,
                                       ST_SimplifyPreserveTopology(a.geom, %(tolerance)s))
                    END, 5) AS geojson,
       ST_X(ST_PointOnSurface(a.geom)) AS label_lon,
       ST_Y(ST_PointOnSurface(a.geom)) AS label_lat
FROM current_areas a
WHERE (NOT %(self)s AND a.parent_code = %(code)s) OR (%(self)s AND a.code = %(code)s)
ORDER BY a.code
