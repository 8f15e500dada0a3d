-- Intake: the reports linked to an open incident from another source, kept with the case.
INSERT INTO incident_links (incident_id, source, source_id, category, subcategory,
                            source_category, source_subcategory, severity, description, address,
                            geom, reported_at, reporter_name, reporter_phone, reporter_id_number,
                            distance_m, linked_by)
SELECT link_to, source, source_id, category, subcategory, source_category, source_subcategory,
       severity, description, address, geom, reported_at, reporter_name, reporter_phone,
       reporter_id_number, link_distance, %(actor)s
FROM ingest_final
WHERE outcome = 'linked'
ON CONFLICT (source, source_id) WHERE source_id IS NOT NULL DO NOTHING
