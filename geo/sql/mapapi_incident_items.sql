-- Map service: one page of incidents matching {conditions} (the filter's conditions on `i`),
-- ordered by id after %(after)s, as GeoJSON Feature texts. The reporter's phone and ID number
-- come through incident_contacts (masked unless the transaction's center handles the case).
-- {geometry} is the GeoJSON geometry of `i.geom` in the output CRS.
SELECT i.id,
       '{{"type":"Feature","id":' || i.id
       || ',"geometry":' || {geometry}
       || ',"properties":' || json_build_object(
              'source', i.source, 'source_id', i.source_id, 'category', i.category,
              'subcategory', i.subcategory, 'severity', i.severity,
              'is_major_risk', i.is_major_risk, 'status', i.status,
              'overdue', i.status IN ('reported', 'assigned', 'in_progress')
                         AND i.deadline_at < %(now)s,
              'description', i.description, 'address', i.address,
              'grid_code', i.grid_code, 'community_code', i.community_code,
              'street_code', i.street_code, 'district_code', i.district_code,
              'reported_at', i.reported_at, 'deadline_at', i.deadline_at,
              'assigned_center', i.assigned_center, 'handling_level', i.handling_level,
              'escalations', i.escalations, 'resolved_at', i.resolved_at,
              'closed_at', i.closed_at, 'result', i.result,
              'reporter_name', c.reporter_name, 'reporter_phone', c.reporter_phone,
              'reporter_id_number', c.reporter_id_number)::text
       || '}}'
FROM incidents i
LEFT JOIN LATERAL (
    SELECT k.reporter_name, k.reporter_phone, k.reporter_id_number
    FROM incident_contacts k WHERE k.incident_id = i.id
) c ON true
WHERE {conditions} AND i.id > %(after)s
ORDER BY i.id
LIMIT %(limit)s
