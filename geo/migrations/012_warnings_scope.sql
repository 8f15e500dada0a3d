-- Area scope on the early warnings (migration 009), as on incidents (migration 011), and the
-- app role's privileges renewed for databases where 011 ran before 007-010 were applied.

-- Reading everything again grants the incidents' and links' contact columns too: take them
-- back at once (minqing_grant_app_columns of migration 011 grants all other columns).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO minqing_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO minqing_app;
SELECT minqing_grant_app_columns();
GRANT SELECT ON incident_contacts, incident_link_contacts TO minqing_app;
GRANT INSERT, UPDATE ON incidents TO minqing_app;
GRANT INSERT ON incident_events, incident_links TO minqing_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, user_sessions TO minqing_app;
GRANT SELECT, INSERT ON audit_log TO minqing_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM minqing_app;

-- Warnings are raised by `minqing warnings scan` (the owner); on the page they are
-- acknowledged, assigned and closed, each with an event.
GRANT UPDATE ON warnings TO minqing_app;
GRANT INSERT ON warning_events TO minqing_app;

-- A warning sits where its codes say. A district-wide warning (only its district set) is seen
-- by the district's and the city's users, not by a street's or a community's.
ALTER TABLE warnings ENABLE ROW LEVEL SECURITY;
CREATE POLICY warnings_scope ON warnings TO minqing_app
    USING (minqing_in_scope(district_code, street_code, community_code, grid_code))
    WITH CHECK (minqing_in_scope(district_code, street_code, community_code, grid_code));

ALTER TABLE warning_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY warning_events_scope ON warning_events TO minqing_app
    USING (EXISTS (SELECT FROM warnings w WHERE w.id = warning_id))
    WITH CHECK (EXISTS (SELECT FROM warnings w WHERE w.id = warning_id));
