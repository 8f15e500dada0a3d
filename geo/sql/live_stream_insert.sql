-- Ingest: one new incident with the grid (and parents) found for its point.
INSERT INTO incidents (source, category, subcategory, severity, is_major_risk, description,
                       address, geom, grid_code, community_code, street_code, district_code,
                       reported_at, deadline_at, status, assigned_center, handling_level)
VALUES (%(source)s, %(category)s, %(subcategory)s, %(severity)s, %(major)s, %(description)s,
        %(address)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), %(srid)s), %(grid)s,
        %(community)s, %(street)s, %(district)s, %(reported_at)s, %(deadline_at)s,
        %(status)s, %(center)s, %(level)s)
RETURNING id
