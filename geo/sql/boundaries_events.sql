-- The audit trail of publications and rollbacks, newest first.
SELECT e.id, e.at, e.action, e.actor, e.version_id, e.previous_version_id, e.level,
       e.file_name, e.file_sha256, e.file_bytes, e.note, e.summary
FROM boundary_events e
ORDER BY e.at DESC, e.id DESC
LIMIT %(limit)s
