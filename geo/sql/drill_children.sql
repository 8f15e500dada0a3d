-- The children of %(code)s: code, name, level, kind and residents.
SELECT a.code, a.name, a.level, a.kind, a.population
FROM current_areas a
WHERE a.parent_code = %(code)s
ORDER BY a.code
