-- Intake: addresses that came with a point become known (the first point of an address is
-- kept), so later reports from there without a point can be placed.
INSERT INTO address_gazetteer (address_key, address, geom, grid_code)
SELECT DISTINCT ON (address_key) address_key, address, geom, grid_code
FROM ingest_final
WHERE outcome IN ('new', 'linked', 'duplicate') AND placed_by = 'point' AND address_key <> ''
ORDER BY address_key, reported_at
ON CONFLICT (address_key) DO NOTHING
