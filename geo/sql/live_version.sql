-- The current boundary version (NULL when none is published), and the newest incident id.
SELECT (SELECT id FROM boundary_versions WHERE is_current),
       (SELECT coalesce(max(id), 0) FROM incidents)
