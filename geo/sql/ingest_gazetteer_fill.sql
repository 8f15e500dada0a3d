-- Intake: an empty address gazetteer learns the addresses of the stored incidents (the most
-- recent point of each address). Keys are normalised as in geo/ingest/records.py.
INSERT INTO address_gazetteer (address_key, address, geom, grid_code)
SELECT DISTINCT ON (k.key) k.key, i.address, i.geom, i.grid_code
FROM incidents i
CROSS JOIN LATERAL (
    SELECT regexp_replace(normalize(i.address, NFKC), '\s+', '', 'g') AS key) k
WHERE i.address <> ''
ORDER BY k.key, i.reported_at DESC
ON CONFLICT (address_key) DO NOTHING
