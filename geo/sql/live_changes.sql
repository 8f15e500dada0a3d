-- What a refresh's answer depends on besides its question: the current boundary version
-- (NULL when none is published), the newest incident id, and the incidents' change counter
-- (migration 080: moves with every statement that writes incidents).
SELECT (SELECT id FROM boundary_versions WHERE is_current),
       (SELECT coalesce(max(id), 0) FROM incidents),
       (SELECT last_value FROM incident_changes)
