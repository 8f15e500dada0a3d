-- Map service, Open311: service requests (incidents) of the client's sources, newest first:
-- by id (%(ids)s, NULL for any) or by service (category, subcategory), report time and
-- status; with the handling center's name and the latest event (time, note, action).
SELECT i.id, i.status, i.category, i.subcategory, i.description, c.name, i.reported_at,
       coalesce(last.at, i.reported_at), i.deadline_at, i.address, ST_X(i.geom), ST_Y(i.geom),
       last.note, last.action, i.result, i.source_id
FROM incidents i
LEFT JOIN centers c ON c.code = i.assigned_center
LEFT JOIN LATERAL (
    SELECT e.at, e.note, e.action FROM incident_events e
    WHERE e.incident_id = i.id ORDER BY e.at DESC, e.id DESC LIMIT 1
) last ON true
WHERE i.source = ANY(%(sources)s::text[])
  AND (%(ids)s::bigint[] IS NULL OR i.id = ANY(%(ids)s::bigint[]))
  AND (%(category)s::text IS NULL OR i.category = %(category)s)
  AND (%(subcategory)s::text IS NULL OR i.subcategory = %(subcategory)s)
  AND (%(start)s::timestamptz IS NULL OR i.reported_at >= %(start)s)
  AND (%(end)s::timestamptz IS NULL OR i.reported_at < %(end)s)
  AND (%(statuses)s::text[] IS NULL OR i.status = ANY(%(statuses)s::text[]))
ORDER BY i.reported_at DESC, i.id DESC
LIMIT %(limit)s
