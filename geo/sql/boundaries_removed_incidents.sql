-- Incidents under each area a publication would remove: counted over the grids at or below
-- the area in the version (a grid counts its own), all and still open.
-- %(version_id)s: the current version; %(codes)s: the areas' codes.
WITH RECURSIVE below (root, code, level) AS (
    SELECT code, code, level FROM areas
    WHERE version_id = %(version_id)s AND code = ANY(%(codes)s)
    UNION ALL
    SELECT b.root, a.code, a.level
    FROM below b
    JOIN areas a ON a.version_id = %(version_id)s AND a.parent_code = b.code
),
grids AS (SELECT root, code FROM below WHERE level = 'grid'),
everything AS (
    SELECT g.root, count(*) AS n
    FROM grids g JOIN incidents i ON i.grid_code = g.code
    GROUP BY g.root
),
still_open AS (
    SELECT g.root, count(*) AS n
    FROM grids g JOIN incidents i ON i.grid_code = g.code
    WHERE i.status IN ('reported', 'assigned', 'in_progress')
    GROUP BY g.root
)
SELECT e.root, e.n, coalesce(o.n, 0)
FROM everything e LEFT JOIN still_open o USING (root)
