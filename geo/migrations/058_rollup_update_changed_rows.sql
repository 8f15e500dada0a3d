-- Boundary publication speed (issue 5): an UPDATE of incidents changes the daily rollups only
-- through rows whose counted columns changed. A re-survey that moves 400,000 incidents to other
-- grids of the same community changes no rollup row (they hold communities and up), yet the
-- trigger of migration 003 took every old row out and put every new row back: 800,000 changes,
-- about 25 s of upserts that added up to nothing. Now only the difference between the two
-- multisets of counted columns is applied (old EXCEPT ALL new out, new EXCEPT ALL old in),
-- which sums to the same rollups.
CREATE OR REPLACE FUNCTION rollup_after_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    CREATE TEMP TABLE rollup_changes ON COMMIT DROP AS
    WITH old_counted AS (
        SELECT district_code, street_code, community_code, category, source, reported_at,
               resolved_at, deadline_at, result, is_major_risk, escalations
        FROM old_rows
    ), new_counted AS (
        SELECT district_code, street_code, community_code, category, source, reported_at,
               resolved_at, deadline_at, result, is_major_risk, escalations
        FROM new_rows
    ), removed AS (
        SELECT * FROM old_counted EXCEPT ALL SELECT * FROM new_counted
    ), added AS (
        SELECT * FROM new_counted EXCEPT ALL SELECT * FROM old_counted
    )
    SELECT -1 AS sign, *, false AS is_repeat FROM removed
    UNION ALL
    SELECT 1, *, false FROM added;
    PERFORM rollup_apply();
    RETURN NULL;
END
$$;
