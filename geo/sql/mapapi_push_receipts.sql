-- Map service: keep the digest of each pushed report that has a case (the first one kept for
-- a source id), then read back what is kept for every source id of the push.
WITH given AS (
    SELECT * FROM unnest(%(ids)s::text[], %(digests)s::text[], %(cases)s::bigint[])
        AS g (source_id, content_hash, incident_id)
), kept AS (
    INSERT INTO api_intake_receipts (source, source_id, content_hash, client, incident_id)
    SELECT DISTINCT ON (g.source_id) %(source)s, g.source_id, g.content_hash, %(client)s,
           g.incident_id
    FROM given g
    ORDER BY g.source_id
    ON CONFLICT (source, source_id) DO NOTHING
    RETURNING source_id, content_hash
)
SELECT source_id, content_hash FROM kept
UNION ALL
SELECT r.source_id, r.content_hash
FROM api_intake_receipts r
WHERE r.source = %(source)s AND r.source_id = ANY(%(ids)s::text[])
  AND r.source_id NOT IN (SELECT source_id FROM kept)
