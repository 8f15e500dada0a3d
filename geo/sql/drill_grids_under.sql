-- The codes of the current grids inside a street, a community or a grid (%(code)s), walked
-- down from the area through the parent index (a scan of every grid took tens of ms, and a
-- step asks this several times).
WITH RECURSIVE below AS (
    SELECT a.version_id, a.code, a.level
    FROM areas a
    JOIN boundary_versions v ON v.id = a.version_id AND v.is_current
    WHERE a.code = %(code)s
    UNION ALL
    SELECT c.version_id, c.code, c.level
    FROM below b
    JOIN areas c ON c.version_id = b.version_id AND c.parent_code = b.code
    WHERE b.level <> 'grid'
)
SELECT code FROM below WHERE level = 'grid' ORDER BY code
