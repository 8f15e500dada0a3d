-- The daily rollups' row-level security (migration 011) for a leader below the city (issue 12).
-- `code = ANY((SELECT minqing_scope_codes())::text[])` compared each row with every code of the
-- scope in turn (a district holds some 400 streets and communities): a street's ranking read
-- 6,000 rollup rows and spent most of its time there. `code IN (SELECT unnest(...))` is the
-- same set, looked up in a hash built once per query. Same rows visible as before.
ALTER POLICY incident_daily_flows_scope ON incident_daily_flows
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code IN (SELECT unnest(minqing_scope_codes())));
ALTER POLICY incident_daily_stocks_scope ON incident_daily_stocks
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code IN (SELECT unnest(minqing_scope_codes())));
ALTER POLICY incident_daily_handling_scope ON incident_daily_handling
    USING ((SELECT minqing_scope_level()) = 'city'
           OR code IN (SELECT unnest(minqing_scope_codes())));
