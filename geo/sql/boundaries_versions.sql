-- Every boundary version, newest first, with its publication event and its size per level.
SELECT v.id, v.created_at, v.created_by, v.source, v.note, v.is_current,
       coalesce(v.diff -> 'counts', '{}'::jsonb) AS counts,
       (SELECT jsonb_object_agg(level, n)
          FROM (SELECT level, count(*) AS n FROM areas a WHERE a.version_id = v.id
                GROUP BY level) per_level) AS sizes
FROM boundary_versions v
ORDER BY v.id DESC
