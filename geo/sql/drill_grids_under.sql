-- The codes of the current grids inside a street, a community or a grid (%(code)s).
SELECT g.code
FROM current_areas g
LEFT JOIN current_areas c ON c.code = g.parent_code
WHERE g.level = 'grid'
  AND (g.code = %(code)s OR c.code = %(code)s OR c.parent_code = %(code)s)
ORDER BY g.code
