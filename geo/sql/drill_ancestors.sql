-- The chain from the city down to %(code)s (inclusive), for the breadcrumb.
WITH RECURSIVE chain AS (
    SELECT a.code, a.parent_code, a.name, a.level, a.depth
    FROM current_areas a WHERE a.code = %(code)s
    UNION ALL
    SELECT p.code, p.parent_code, p.name, p.level, p.depth
    FROM current_areas p JOIN chain c ON p.code = c.parent_code
)
SELECT code, name, level FROM chain ORDER BY depth
