-- Intake: each row's point, its own or, without one, its address's from the gazetteer.
CREATE TEMP TABLE ingest_points ON COMMIT DROP AS
SELECT r.line,
       CASE WHEN r.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4490)
            ELSE g.geom END AS geom,
       CASE WHEN r.lon IS NOT NULL THEN 'point' ELSE 'address' END AS placed_by
FROM ingest_rows r
LEFT JOIN address_gazetteer g
    ON r.lon IS NULL AND r.address_key <> '' AND g.address_key = r.address_key
WHERE r.outcome IS NULL AND (r.lon IS NOT NULL OR g.geom IS NOT NULL);
ALTER TABLE ingest_points ADD PRIMARY KEY (line);
CREATE INDEX ON ingest_points USING gist (geom);
ANALYZE ingest_points
