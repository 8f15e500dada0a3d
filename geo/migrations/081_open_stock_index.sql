-- The open cases' stocks in one index (issue 12): the live map counts every open case of its
-- area per grid, per center and in total on each refresh (live_stocks.sql). The open cases'
-- index of migration 001 (grid, deadline) now also carries every column that count reads,
-- and the area codes that row-level security checks, so a district's or a street's stocks are
-- an index-only scan of its own grids (found by `grid_code = ANY(...)`), not a filtered scan of
-- every case not yet closed. Same keys: the case desk's and the warnings' plans stay the same.
DROP INDEX incidents_open_idx;
CREATE INDEX incidents_open_idx ON incidents (grid_code, deadline_at)
    INCLUDE (assigned_center, reported_at, is_major_risk, category, escalations,
             community_code, street_code, district_code)
    WHERE status IN ('reported', 'assigned', 'in_progress');
