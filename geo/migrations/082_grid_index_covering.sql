-- A community's and a grid's figures from the grid index alone (issue 12). The drill-down
-- counts a street's, community's or grid's cases through its grids (`grid_code = ANY(...)`,
-- docs/drilldown.md): key figures, the exact P90 handling time, per-grid rankings. With the
-- grid index (migration 001) alone each case found was fetched from the table, one page each,
-- and row-level security's check of the four area codes needed the table too; a community's
-- step took 250-400 ms of it. The grid index now carries what those counts read, and the area
-- codes the policy checks, so they are index-only scans. Same keys: other plans stay the same.
DROP INDEX incidents_grid_idx;
CREATE INDEX incidents_grid_idx ON incidents (grid_code, reported_at)
    INCLUDE (resolved_at, deadline_at, result, escalations, is_major_risk, category, source,
             community_code, street_code, district_code);
