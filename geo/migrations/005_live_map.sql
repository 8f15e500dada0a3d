-- The live map (issue 3). Every refresh reads the cases not yet closed (a few percent of all
-- cases, reported at any time, so spread over the whole table). This partial index holds
-- every column those queries read, so they are answered from the index alone.
CREATE INDEX incidents_not_closed_idx ON incidents (reported_at)
    INCLUDE (grid_code, community_code, street_code, district_code, assigned_center, status,
             source, category, is_major_risk, escalations, resolved_at, deadline_at, result, geom)
    WHERE status <> 'closed';
