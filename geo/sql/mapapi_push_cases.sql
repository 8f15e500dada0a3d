-- Map service: the case each pushed report (line, source id) of %(source)s is now part of, as
-- the transaction sees it: its own incident, or the incident a linked report belongs to.
-- `fresh` is true when this transaction stored the report (its 'reported' event, or the
-- link, is this transaction's).
WITH keys AS (
    SELECT * FROM unnest(%(lines)s::int[], %(ids)s::text[]) AS k (line, source_id)
)
SELECT k.line, i.id, 'new' AS kind,
       EXISTS (SELECT FROM incident_events e
               WHERE e.incident_id = i.id AND e.action = 'reported'
                 AND e.txid = pg_current_xact_id()) AS fresh,
       i.status, i.grid_code, i.district_code, i.assigned_center, i.deadline_at
FROM keys k
JOIN incidents i ON i.source = %(source)s AND i.source_id = k.source_id
UNION ALL
SELECT k.line, i.id, 'linked', l.linked_at = now() AND l.linked_by = %(actor)s,
       i.status, i.grid_code, i.district_code, i.assigned_center, i.deadline_at
FROM keys k
JOIN incident_links l ON l.source = %(source)s AND l.source_id = k.source_id
JOIN incidents i ON i.id = l.incident_id
