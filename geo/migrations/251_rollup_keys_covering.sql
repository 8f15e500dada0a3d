-- The daily rollups' primary keys carry the counters (issue 12: a district leader's drill step).
-- A drill step reads an area's rows (or its children's) over a period or two: for 城关区's 24
-- streets over a month, 14,000 flow rows, found through the key but scattered over 9,000 heap
-- pages (the seeded table follows neither code nor day; a live one writes each day's rows of
-- every area together as reports arrive). With the counters in the key's leaf entries the same
-- rows are an index-only scan of a few hundred pages in (code, day) order. The keys and the upserts on them (rollup_apply's ON CONFLICT)
-- are unchanged; a changed counter now writes a new key entry as well (no heap-only update;
-- with full pages almost none was: 2,662 of 693,660 updates in a test on the 2.4 M database).
--
-- An index-only scan skips the heap only on pages the visibility map marks all-visible, and a
-- change clears the mark until the table is vacuumed: after tests that changed about 130,000
-- incidents (rolled back: 692,000 dead flow rows), the streets' two months read 26,503 rows
-- from the heap again. By default autovacuum waits for
-- a fifth of a table to change (730,000 flow rows); these tables are vacuumed after a
-- hundredth (vacuum skips the pages still marked, so a run costs what changed).
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
ALTER TABLE incident_daily_flows
    SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE incident_daily_stocks
    SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE incident_daily_handling
    SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
