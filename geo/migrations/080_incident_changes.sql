-- A change counter for the incidents (issue 12): every statement that inserts, updates or
-- deletes incidents (or truncates them) takes the next value of `incident_changes`, so a
-- reader can tell with one cheap read whether anything changed since it last counted. The
-- live map's shared answers (geo/queries/shared.py) are kept per value: a hundred screens
-- watching the same area and filters cost one count per change, not one each.
-- A sequence, not a counter row: writers never wait for one another on it (a row would be
-- locked from the statement to the commit, and could deadlock two multi-statement writers).
-- Its value moves at the statement, before the commit: geo/queries/live_view.py says what a
-- reader does about a writer that has not committed yet.
CREATE SEQUENCE incident_changes;

CREATE FUNCTION incident_changes_bump() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM nextval('incident_changes');
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION incident_changes_bump() FROM PUBLIC;

CREATE TRIGGER incidents_changes
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION incident_changes_bump();

GRANT SELECT ON SEQUENCE incident_changes TO minqing_app;
