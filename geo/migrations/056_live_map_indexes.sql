-- The live map (issue 3), after measuring with `minqing demo stream` running:
--
-- Today's reports are read on every refresh. Status changes move rows to the end of the
-- table, so the BRIN index of migration 001 (block ranges of mixed dates) hands back tens of
-- thousands of candidate rows for a few thousand of today's; a btree finds exactly those.
CREATE INDEX incidents_reported_idx ON incidents (reported_at);

-- With few dead rows, VACUUM skips cleaning the indexes ("index scan bypassed"), and a page
-- that keeps a dead line pointer is never marked all-visible: the index-only scans of the open
-- cases (migration 005) then read the table again. Always clean the indexes of this table.
ALTER TABLE incidents SET (vacuum_index_cleanup = on);
