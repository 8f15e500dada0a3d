-- The vocabularies' codes checked on the rows of the hot tables by CHECK constraints instead
-- of foreign keys (issue 16). Every report stored set off seven foreign-key checks on the
-- statuses, sources, actions and handling levels (a query and a row lock each, the same rows
-- locked by every transaction storing reports): with these checks a batch of 500 reports costs
-- PostgreSQL 0.27-0.28 instead of 0.29-0.30 ms of CPU a report, and 4,684-5,002 instead of
-- 4,543-4,700 reports a second are stored (three pairs on copies of the 2.4 M database). The
-- vocabularies are closed lists, written by migrations only (geo/vocabulary.py): each check
-- is made from its table's rows as they are now, and tests/test_schema.py holds every check
-- equal to its table. The foreign keys to centers and to the cases stay.
ALTER TABLE incidents
    DROP CONSTRAINT incidents_status_fkey,
    DROP CONSTRAINT incidents_source_fkey,
    DROP CONSTRAINT incidents_handling_level_fkey;
ALTER TABLE incident_events
    DROP CONSTRAINT incident_events_from_status_fkey,
    DROP CONSTRAINT incident_events_to_status_fkey,
    DROP CONSTRAINT incident_events_action_fkey;
ALTER TABLE api_intake_receipts DROP CONSTRAINT api_intake_receipts_source_fkey;

DO $$
DECLARE
    statuses text[] := (SELECT array_agg(status ORDER BY status) FROM incident_statuses);
    sources  text[] := (SELECT array_agg(source ORDER BY source) FROM incident_sources);
    actions  text[] := (SELECT array_agg(action ORDER BY action) FROM incident_actions);
    levels   text[] := (SELECT array_agg(level ORDER BY level) FROM center_levels);
BEGIN
    EXECUTE format(
        'ALTER TABLE incidents'
        ' ADD CONSTRAINT incidents_status_known CHECK (status = ANY (%L::text[])),'
        ' ADD CONSTRAINT incidents_source_known CHECK (source = ANY (%L::text[])),'
        ' ADD CONSTRAINT incidents_handling_level_known CHECK (handling_level = ANY (%L::text[]))',
        statuses, sources, levels);
    EXECUTE format(
        'ALTER TABLE incident_events'
        ' ADD CONSTRAINT incident_events_from_status_known CHECK (from_status = ANY (%L::text[])),'
        ' ADD CONSTRAINT incident_events_to_status_known CHECK (to_status = ANY (%L::text[])),'
        ' ADD CONSTRAINT incident_events_action_known CHECK (action = ANY (%L::text[]))',
        statuses, statuses, actions);
    EXECUTE format(
        'ALTER TABLE api_intake_receipts'
        ' ADD CONSTRAINT api_intake_receipts_source_known CHECK (source = ANY (%L::text[]))',
        sources);
END
$$;
