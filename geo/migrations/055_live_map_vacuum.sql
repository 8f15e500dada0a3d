-- The live map (issue 3): its refreshes read the open cases through the index of migration 005
-- alone, which works while the visibility map says the pages are clean. Status changes arrive
-- all day; by default autovacuum would wait for 20 % of 2.4 million rows to change (days).
-- Vacuum after a few thousand changes instead: it skips the pages already clean, so it is
-- cheap, and the index-only scans stay index-only.
ALTER TABLE incidents SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 20000,
    autovacuum_analyze_scale_factor = 0.02
);
