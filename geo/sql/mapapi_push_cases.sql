-- Map service: the case each pushed report (line, source id) of %(source)s is now part of, as
-- the transaction sees it: its own incident, or the incident a linked report belongs to.
-- `fresh` is true when this transaction stored the report (its 'reported' event, or the
-- link, is this transaction's). Each key is looked up alone (LIMIT 1: the pair is unique) and
-- each case's events by the case (OFFSET 0): the planner had merged the keys with every
-- stored id of the source, and checked each case against all of the transaction's events
-- (a batch of 500: 20,000 ids read, 125,000 events compared).
WITH keys AS (
    SELECT * FROM unnest(%(lines)s::int[], %(ids)s::text[]) AS k (line, source_id)
)
SELECT k.line, i.id, 'new' AS kind,
       EXISTS (SELECT FROM (SELECT e.txid FROM incident_events e
                            WHERE e.incident_id = i.id AND e.action = 'reported' OFFSET 0) e
               WHERE e.txid = pg_current_xact_id()) AS fresh,
       i.status, i.grid_code, i.district_code, i.assigned_center, i.deadline_at
FROM keys k
CROSS JOIN LATERAL (
    SELECT i.id, i.status, i.grid_code, i.district_code, i.assigned_center, i.deadline_at
    FROM incidents i
    WHERE i.source = %(source)s AND i.source_id = k.source_id
    LIMIT 1) i
UNION ALL
SELECT k.line, i.id, 'linked', l.linked_at = now() AND l.linked_by = %(actor)s,
       i.status, i.grid_code, i.district_code, i.assigned_center, i.deadline_at
FROM keys k
JOIN incident_links l ON l.source = %(source)s AND l.source_id = k.source_id
JOIN incidents i ON i.id = l.incident_id
