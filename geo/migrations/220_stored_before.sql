-- The intake's dedup asks one question in both of its paths (ingest_dedup.sql for the big
-- import's temporary tables, ingest_few.sql for pushes and small imports): is a report of this
-- source and source id stored already, as a case or as a linked report? Asked here once.
-- A set-returning SQL function without SET or SECURITY DEFINER, so the planner inlines it into
-- the caller's lateral join: each row is looked up by its key through the unique indexes
-- (migration 007), under the caller's row-level security. The LIMIT keeps the planner from
-- hashing every stored source id of the source instead, as it did (40,000 pushed ids read for
-- a batch of 500). A scalar function asking the same was not inlined: 25 µs a row against 2.5.
CREATE FUNCTION minqing_stored_before(p_source text, p_source_id text) RETURNS SETOF integer
    LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT 1 FROM incidents i
    WHERE i.source = p_source AND i.source_id = p_source_id AND i.source_id IS NOT NULL
    UNION ALL
    SELECT 1 FROM incident_links l
    WHERE l.source = p_source AND l.source_id = p_source_id AND l.source_id IS NOT NULL
    LIMIT 1
$$;
