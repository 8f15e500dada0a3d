-- The key figures read incidents that were open at some point of a period:
-- `resolved_at IS NULL OR resolved_at >= start` uses this index (a btree keeps NULLs).
CREATE INDEX incidents_resolved_idx ON incidents (resolved_at);
