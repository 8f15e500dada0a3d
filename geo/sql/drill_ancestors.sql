-- The chain from the city down to %(code)s (inclusive), for the breadcrumb: walked up through
-- the primary key of the current version's areas.
WITH RECURSIVE chain AS (
    SELECT a.version_id, a.code, a.parent_code, a.name, a.level, a.depth
    FROM areas a
    JOIN boundary_versions v ON v.id = a.version_id AND v.is_current
    WHERE a.code = %(code)s
    UNION ALL
    SELECT p.version_id, p.code, p.parent_code, p.name, p.level, p.depth
    FROM chain c
    JOIN areas p ON p.version_id = c.version_id AND p.code = c.parent_code
)
SELECT code, name, level FROM chain ORDER BY depth
