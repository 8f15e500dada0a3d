-- The rollups' writer (migration 013) analysed its table of changes on every insert, update
-- and delete of incidents: for the few rows of a pushed report (the map service stores a few
-- dozen at a time) the ANALYZE cost more than the writes it informs (the insert trigger
-- 34-52 → 15-26 ms for 15 reports at 2.4 M incidents, docs/benchmarks.md, issue 16). It now
-- analyses 100 changes or more only (a batch, an import, a rebuild); the rest is unchanged.
CREATE OR REPLACE FUNCTION rollup_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- a temporary table has no statistics otherwise; a few rows need none (and ANALYZE costs
    -- more than their plans: the map service's pushes insert a few dozen at a time)
    IF (SELECT count(*) FROM (SELECT FROM pg_temp.rollup_changes LIMIT 100) c) >= 100 THEN
        ANALYZE pg_temp.rollup_changes;
    END IF;
    IF EXISTS (SELECT FROM incident_daily_flows) THEN
        INSERT INTO incident_daily_flows AS f
        SELECT * FROM rollup_flow_rows()
        ORDER BY 1, 2, 3, 4  -- index order: inserting in order keeps the btree writes local
        ON CONFLICT (code, day, category, source) DO UPDATE SET
            new = f.new + EXCLUDED.new, major_new = f.major_new + EXCLUDED.major_new,
            escalated_new = f.escalated_new + EXCLUDED.escalated_new,
            repeat_new = f.repeat_new + EXCLUDED.repeat_new,
            concluded = f.concluded + EXCLUDED.concluded,
            resolved = f.resolved + EXCLUDED.resolved,
            concluded_late = f.concluded_late + EXCLUDED.concluded_late,
            hours = f.hours + EXCLUDED.hours;
    ELSE
        INSERT INTO incident_daily_flows SELECT * FROM rollup_flow_rows();
    END IF;

    IF EXISTS (SELECT FROM incident_daily_stocks) THEN
        INSERT INTO incident_daily_stocks AS s
        SELECT * FROM rollup_stock_rows()
        ORDER BY 1, 2
        ON CONFLICT (code, day) DO UPDATE SET
            opened = s.opened + EXCLUDED.opened, closed = s.closed + EXCLUDED.closed,
            due = s.due + EXCLUDED.due, due_done = s.due_done + EXCLUDED.due_done,
            major_opened = s.major_opened + EXCLUDED.major_opened,
            major_closed = s.major_closed + EXCLUDED.major_closed;
    ELSE
        INSERT INTO incident_daily_stocks SELECT * FROM rollup_stock_rows();
    END IF;

    IF EXISTS (SELECT FROM incident_daily_handling) THEN
        INSERT INTO incident_daily_handling AS h
        SELECT * FROM rollup_handling_rows()
        ORDER BY 1, 2, 3
        ON CONFLICT (code, day, bucket) DO UPDATE SET n = h.n + EXCLUDED.n;
    ELSE
        INSERT INTO incident_daily_handling SELECT * FROM rollup_handling_rows();
    END IF;

    DROP TABLE pg_temp.rollup_changes;
END
$$;
