-- The daily rollups' primary keys carry the counters (issue 12: a district leader's drill step).
-- A drill step reads an area's rows (or its children's) over a period or two: for 城关区's 24
-- streets over a month, 14,000 flow rows, found through the key but scattered over 9,000 heap
-- pages, since the rows of a day are written as reports arrive, every area's together. With the
-- counters in the key's leaf entries the same rows are an index-only scan of a few hundred
-- pages in (code, day) order. The keys and the upserts on them (rollup_apply's ON CONFLICT)
-- are unchanged; a changed counter now writes a new key entry as well (no heap-only update).
ALTER TABLE incident_daily_flows
    DROP CONSTRAINT incident_daily_flows_pkey,
    ADD CONSTRAINT incident_daily_flows_pkey PRIMARY KEY (code, day, category, source)
        INCLUDE (new, major_new, escalated_new, repeat_new, concluded, resolved, concluded_late,
                 hours);
ALTER TABLE incident_daily_stocks
    DROP CONSTRAINT incident_daily_stocks_pkey,
    ADD CONSTRAINT incident_daily_stocks_pkey PRIMARY KEY (code, day)
        INCLUDE (opened, closed, due, due_done, major_opened, major_closed);
ALTER TABLE incident_daily_handling
    DROP CONSTRAINT incident_daily_handling_pkey,
    ADD CONSTRAINT incident_daily_handling_pkey PRIMARY KEY (code, day, bucket) INCLUDE (n);
