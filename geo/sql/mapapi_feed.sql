-- Map service: the change feed of one source. Case events after the cursor (txid, id) in the
-- order their transactions began, only those of transactions older than every transaction
-- still running (so none commits later behind the cursor), at most %(scan)s of them; of these,
-- the events of cases holding a report of %(source)s (its own, or a linked one), with that
-- report's source id. The last row scanned comes too, to move the cursor past the others.
WITH scanned AS (
    SELECT e.id, e.txid, e.incident_id, e.at, e.action, e.from_status, e.to_status,
           e.center_code, e.note
    FROM incident_events e
    WHERE (e.txid, e.id) > (%(txid)s::xid8, %(id)s::bigint)
      AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY e.txid, e.id
    LIMIT %(scan)s
), matched AS (
    SELECT s.txid::text AS txid, s.id, s.incident_id, r.source_id, s.at, s.action,
           s.from_status, s.to_status, s.center_code, s.note, i.status, i.result
    FROM scanned s
    JOIN incidents i ON i.id = s.incident_id
    CROSS JOIN LATERAL (
        SELECT i.source_id WHERE i.source = %(source)s AND i.source_id IS NOT NULL
        UNION ALL
        SELECT l.source_id FROM incident_links l
        WHERE l.incident_id = i.id AND l.source = %(source)s AND l.source_id IS NOT NULL
    ) r
    ORDER BY s.txid, s.id
    LIMIT %(limit)s
)
SELECT * FROM matched
UNION ALL
SELECT * FROM (
    SELECT s.txid::text, s.id, NULL::bigint, NULL, NULL::timestamptz, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL
    FROM scanned s ORDER BY s.txid DESC, s.id DESC LIMIT 1
) AS last
