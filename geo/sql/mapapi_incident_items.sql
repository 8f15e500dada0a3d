-- Map service: one page of incidents matching {conditions} (the filter's conditions on `i`),
-- newest first (by id, before %(before)s), as GeoJSON Feature texts. The reporter's phone and
-- ID number come through incident_contacts (masked unless the transaction's center handles
-- the case), read for the page's ids only: the view is a security barrier, so a join into it
-- would read every incident. {geometry} is the GeoJSON geometry of `i.geom` in the output CRS.
WITH page AS MATERIALIZED (
    SELECT i.id, i.geom, i.source, i.source_id, i.category, i.subcategory, i.severity,
           i.is_major_risk, i.status, i.description, i.address, i.grid_code, i.community_code,
           i.street_code, i.district_code, i.reported_at, i.deadline_at, i.assigned_center,
           i.handling_level, i.escalations, i.resolved_at, i.closed_at, i.result
    FROM incidents i
    WHERE {conditions} AND i.id < %(before)s
    ORDER BY i.id DESC
    LIMIT %(limit)s
), contacts AS MATERIALIZED (
    SELECT k.incident_id, k.reporter_name, k.reporter_phone, k.reporter_id_number
    FROM incident_contacts k
    WHERE k.incident_id = ANY (ARRAY(SELECT id FROM page))
)
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
FROM page i
LEFT JOIN contacts c ON c.incident_id = i.id
ORDER BY i.id DESC
