-- The case desk (issue 6, part 2 and 3): the actions a case can take, the acting center of
-- each event, its details, the desk's queue index and the log of the automatic escalation.

-- Event actions become a table (names shown on the desk) instead of a CHECK list, so a later
-- migration adds an action with one INSERT. 'transferred' is new: a case handed to another
-- center at the same level. Actions already stored are kept whatever they are.
CREATE TABLE incident_actions (
    action  text PRIMARY KEY,
    name_zh text NOT NULL
);
INSERT INTO incident_actions (action, name_zh) VALUES
    ('reported', '上报登记'), ('assigned', '交办'), ('transferred', '转办'),
    ('returned', '退回'), ('escalated', '上报升级'), ('accepted', '受理办理'),
    ('resolved', '办结'), ('closed', '回访归档'), ('reopened', '重新办理'),
    ('supervised', '督办'), ('urged', '催办');
INSERT INTO incident_actions (action, name_zh)
SELECT DISTINCT action, action FROM incident_events
ON CONFLICT (action) DO NOTHING;
ALTER TABLE incident_events DROP CONSTRAINT IF EXISTS incident_events_action_check;
ALTER TABLE incident_events
    ADD CONSTRAINT incident_events_action_fkey FOREIGN KEY (action)
        REFERENCES incident_actions (action) NOT VALID;
ALTER TABLE incident_events VALIDATE CONSTRAINT incident_events_action_fkey;

-- `center_code` stays the center holding the case after the event; `acting_center` is the
-- center whose operator acted (NULL for the system and for events before this migration).
-- `detail` holds what an action carries besides its note: the target of an assignment, the
-- result of a resolution, the rule behind an automatic escalation, a supervision's due time.
ALTER TABLE incident_events
    ADD COLUMN acting_center text REFERENCES centers (code),
    ADD COLUMN detail jsonb NOT NULL DEFAULT '{}'::jsonb;

-- The desk's queue: a center's open cases, sorted by overdue, major risk and deadline.
CREATE INDEX incidents_desk_idx ON incidents (assigned_center, deadline_at)
    INCLUDE (is_major_risk, status, category)
    WHERE status IN ('reported', 'assigned', 'in_progress');
-- Supervision records of a case and the latest automatic escalation are read per case.
CREATE INDEX incident_events_action_idx ON incident_events (incident_id, action, at);

-- One row per run of `minqing workflow tick`: what the automatic escalation rule did.
CREATE TABLE workflow_ticks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               timestamptz NOT NULL,
    escalate_after_h double precision,
    escalated        integer NOT NULL DEFAULT 0 CHECK (escalated >= 0),
    seconds          double precision NOT NULL DEFAULT 0
);
