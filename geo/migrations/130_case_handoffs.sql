-- Issue 13: the center holding a case hands it down, across (转办) and back (退回), also to a
-- center outside the area of the account that acts. Both ends must see what they work on.

-- The command structure by name, for everyone signed in: a transfer goes to another center of
-- the holder's level, a return to the center that sent the case, and a case's history names
-- every center it passed through. Only the directory: the `centers` table itself (with each
-- center's place, read by the maps) keeps the scope of migration 011.
CREATE VIEW center_directory AS
SELECT code, name, level, area_code, parent_code FROM centers;
GRANT SELECT ON center_directory TO minqing_app;

-- The center that held a case before its last move: it follows the case it handed on (until
-- the next move), so the center that sends a case back to another area still sees it.
ALTER TABLE incidents ADD COLUMN previous_center text;
SELECT minqing_grant_app_columns();

-- A center sees the cases it holds and the ones it just handed on, wherever they are (a case
-- transferred in from another area), with their events and linked reports (whose policies
-- follow the incidents'). It works only the ones it holds, and may hand them on anywhere; the
-- area policy of migration 060 still decides everything else.
-- The first test keeps the cost off every row other readers (leaders: no center) scan.
CREATE POLICY incidents_held ON incidents FOR SELECT TO minqing_app
    USING ((SELECT minqing_ctx_center()) IS NOT NULL
           AND (assigned_center = (SELECT minqing_ctx_center())
                OR previous_center = (SELECT minqing_ctx_center())));
CREATE POLICY incidents_held_update ON incidents FOR UPDATE TO minqing_app
    USING (assigned_center = (SELECT minqing_ctx_center()))
    WITH CHECK (assigned_center = (SELECT minqing_ctx_center())
                OR previous_center = (SELECT minqing_ctx_center()));
