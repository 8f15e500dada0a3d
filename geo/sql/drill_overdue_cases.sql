-- The cases matching {conditions} that were open and past their deadline at %(end)s, the most
-- overdue first, at most %(limit)s: the list a safety report hands to the meeting.
SELECT i.id, i.reported_at, i.deadline_at, i.category, i.subcategory, i.source, i.severity,
       i.is_major_risk, i.status, i.address, i.description, i.grid_code, i.assigned_center,
       c.name AS center_name, i.escalations
FROM incidents i
LEFT JOIN centers c ON c.code = i.assigned_center
WHERE {conditions}
  AND i.reported_at < %(end)s
  AND coalesce(i.resolved_at, 'infinity') >= %(end)s
  AND i.deadline_at < %(end)s
ORDER BY i.deadline_at, i.id
LIMIT %(limit)s
