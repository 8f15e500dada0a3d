-- Give the moved incidents (temporary table boundary_moves) their new grid and its parents.
UPDATE incidents i
SET grid_code = m.grid_code, community_code = m.community_code,
    street_code = m.street_code, district_code = m.district_code
FROM boundary_moves m
WHERE i.id = m.id
  AND (i.grid_code, i.community_code, i.street_code, i.district_code)
      IS DISTINCT FROM (m.grid_code, m.community_code, m.street_code, m.district_code)
