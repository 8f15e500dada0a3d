-- The scope's codes for the daily rollups' row-level security, cheaper (issue 12: a district
-- leader's drill step). Same rows visible as before; what changes is what computing them costs.
--
-- 1. `minqing_scope_codes()` walked every child of every area down to the communities and
--    dropped the grids after reading them: for 城关区, 1,942 grid rows read to keep 190 codes
--    (784 buffer hits, about 1 ms). It now stops expanding at the communities: the same codes
--    (a child is one level below its parent, migration 001's foreign key on parent_depth).
-- 2. The rollups' policies (migration 083) passed the function straight to `unnest`, whose
--    row estimate made the planner run the function while planning every statement that reads
--    a rollup, then again when it ran (2 × 1 ms per table read under a district's scope). As an
--    initplan's value the planner cannot fold it, so it runs once, when the statement does.
CREATE OR REPLACE FUNCTION minqing_scope_codes() RETURNS text[]
    LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
        WITH RECURSIVE below AS (
            SELECT a.version_id, a.code, a.depth
            FROM current_areas a
            WHERE a.code = minqing_scope_code() AND a.level = minqing_scope_level()
              AND a.level <> 'city'
            UNION ALL
            SELECT c.version_id, c.code, c.depth
            FROM below b
            JOIN areas c ON c.version_id = b.version_id AND c.parent_code = b.code
            WHERE b.depth < 3 AND c.depth <= 3
        )
        SELECT array_agg(code) FROM below
    $$;

ALTER POLICY incident_daily_flows_scope ON incident_daily_flows
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code IN (SELECT unnest((SELECT minqing_scope_codes()))));
ALTER POLICY incident_daily_stocks_scope ON incident_daily_stocks
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code IN (SELECT unnest((SELECT minqing_scope_codes()))));
ALTER POLICY incident_daily_handling_scope ON incident_daily_handling
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code IN (SELECT unnest((SELECT minqing_scope_codes()))));
