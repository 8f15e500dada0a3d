-- Pushed reports are linked to an open case of the same category within hours (intake's link
-- step) while working as minqing_app: under row-level security PostgreSQL only uses an index
-- through leakproof operators, and PostGIS's `&&` is not one, so the open cases' GiST index
-- (migration 014) cannot serve that lookup. This btree serves it by category and report time
-- (text and time comparisons are leakproof); only the open cases are indexed, as in 014.
CREATE INDEX IF NOT EXISTS incidents_open_category_time_idx ON incidents (category, reported_at)
    WHERE status IN ('reported', 'assigned', 'in_progress');
