-- New cases reach the daily rollups at the commit (issue 16: batches). The insert trigger
-- (migration 003) added a statement's new cases to the rollups' rows at once, and the rows it
-- updated (every batch touches the same day's city and district rows) stayed locked to the
-- commit: a pushed batch held them through its events, receipts and read-back, and the other
-- clients' batches waited (`Lock:transactionid` in pg_stat_activity). Now the trigger works
-- out the changes as before (the repeat flags against the stored cases at the statement) and
-- keeps them in the transaction's pg_temp.rollup_pending; a deferred trigger adds them at the
-- commit, so the rows are locked only from there to the end of the commit. Within the
-- inserting transaction the rollups do not count its new cases yet (one that must read them
-- there runs `SET CONSTRAINTS rollup_pending_apply IMMEDIATE` first); every other reader sees
-- them together with the cases, as before.
--
-- One mark row per transaction with waiting changes (its deferred trigger applies them and
-- deletes it). Only the tables' owner writes the mark and the waiting changes (the triggers
-- are SECURITY DEFINER): a pg_temp.rollup_pending of another role is refused, so the pages'
-- role cannot add counts of its own. Emptying the rollups (a TRUNCATE of incidents, or
-- rollup_rebuild(), which recounts every stored case) drops what waits.
CREATE TABLE rollup_pending_marks (txid xid8 PRIMARY KEY);

CREATE FUNCTION rollup_defer() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.rollup_pending') IS NULL THEN
        ALTER TABLE pg_temp.rollup_changes RENAME TO rollup_pending;
        INSERT INTO rollup_pending_marks VALUES (pg_current_xact_id());
        RETURN;
    END IF;
    IF (SELECT relowner FROM pg_class WHERE oid = 'pg_temp.rollup_pending'::regclass)
       IS DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'pg_temp.rollup_pending belongs to another role';
    END IF;
    INSERT INTO pg_temp.rollup_pending SELECT * FROM pg_temp.rollup_changes;
    DROP TABLE pg_temp.rollup_changes;
END
$$;

CREATE FUNCTION rollup_apply_pending() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM rollup_pending_marks WHERE txid = NEW.txid;
    IF to_regclass('pg_temp.rollup_pending') IS NOT NULL THEN  -- else dropped by an emptying
        ALTER TABLE pg_temp.rollup_pending RENAME TO rollup_changes;
        PERFORM rollup_apply();
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION rollup_apply_pending() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER rollup_pending_apply AFTER INSERT ON rollup_pending_marks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_apply_pending();

CREATE FUNCTION rollup_drop_pending() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.rollup_pending;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION rollup_drop_pending() FROM PUBLIC;

CREATE TRIGGER incident_daily_flows_drop_pending AFTER TRUNCATE ON incident_daily_flows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_drop_pending();

CREATE OR REPLACE FUNCTION rollup_after_insert() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    CREATE TEMP TABLE rollup_changes ON COMMIT DROP AS
    WITH addr AS (
        SELECT DISTINCT grid_code, address FROM new_rows WHERE address <> ''
    ), near AS (
        SELECT i.id, i.grid_code, i.address, i.reported_at,
               i.reported_at - lag(i.reported_at) OVER (
                   PARTITION BY i.grid_code, i.address ORDER BY i.reported_at, i.id)
                   <= interval '30 days' AS is_repeat
        FROM incidents i JOIN addr USING (grid_code, address)
        WHERE i.reported_at >= (SELECT min(reported_at) FROM new_rows) - interval '30 days'
    )
    SELECT 1 AS sign, n.district_code, n.street_code, n.community_code, n.category, n.source,
           n.reported_at,
           n.resolved_at, n.deadline_at, n.result, n.is_major_risk, n.escalations,
           coalesce(near.is_repeat, false) AS is_repeat
    FROM new_rows n LEFT JOIN near ON near.id = n.id;
    PERFORM rollup_defer();
    RETURN NULL;
END
$$;
