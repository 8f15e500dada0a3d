-- Rows hanging off a case (events, linked reports, cases a boundary change left unplaced) for
-- a city-wide reader (issue 12). Their policies (migration 011) ask for the case itself,
-- `EXISTS (SELECT FROM incidents i WHERE i.id = incident_id)` under the incidents' policies, so
-- the city checked every row against every case: the drill-down's scorecards (one statement
-- over a month's events, geo/sql/assess_counts.sql) built a hash of all 2.4 M case ids and made
-- some 720,000 key lookups, about half of their time (docs/benchmarks.md, issue 12).
-- A city-wide context sees every case (incidents_scope: `WHEN 'city' THEN true`), and each of
-- these rows has a case (incident_id is NOT NULL and a foreign key to incidents, validated and
-- not deferrable): for the city the test is true, and is no longer run. Below the city, and
-- without a verified context, it is the test of migration 011. Without WITH CHECK a written row
-- is held to USING (as in migration 141): an event or a link written city-wide needs its case
-- to exist, which the foreign key enforces; below the city, a case the writer may see.
DROP POLICY incident_events_scope ON incident_events;
CREATE POLICY incident_events_scope ON incident_events TO minqing_app
    USING (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               ELSE EXISTS (SELECT FROM incidents i WHERE i.id = incident_id) END);

DROP POLICY incident_links_scope ON incident_links;
CREATE POLICY incident_links_scope ON incident_links TO minqing_app
    USING (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               ELSE EXISTS (SELECT FROM incidents i WHERE i.id = incident_id) END);

DROP POLICY boundary_unplaced_incidents_scope ON boundary_unplaced_incidents;
CREATE POLICY boundary_unplaced_incidents_scope ON boundary_unplaced_incidents TO minqing_app
    USING (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               ELSE EXISTS (SELECT FROM incidents i WHERE i.id = incident_id) END);
