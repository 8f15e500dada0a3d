-- 回访: the resident's answer to the follow-up call, recorded by the action that closes a case
-- (回访归档, issue 17). One of 满意 / 基本满意 / 不满意 / 未联系上; NULL on every other event and
-- on closings recorded before this migration (those count as "no follow-up answer", not as an
-- answer). A CHECK rather than a foreign key: the demo seed copies millions of events and a
-- CHECK costs nothing to validate afterwards.
CREATE TABLE follow_up_answers (
    answer  text PRIMARY KEY,
    rank    smallint NOT NULL UNIQUE,
    name_zh text NOT NULL,
    name_en text NOT NULL
);
INSERT INTO follow_up_answers (answer, rank, name_zh, name_en) VALUES
    ('satisfied', 1, '满意', 'Satisfied'),
    ('basically_satisfied', 2, '基本满意', 'Basically satisfied'),
    ('dissatisfied', 3, '不满意', 'Dissatisfied'),
    ('unreachable', 4, '未联系上', 'Not reached');

ALTER TABLE incident_events
    ADD COLUMN satisfaction text CONSTRAINT incident_events_satisfaction_check CHECK (
        satisfaction IS NULL
        OR (satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied', 'unreachable')
            AND action = 'closed'));

GRANT SELECT ON follow_up_answers TO minqing_app;
