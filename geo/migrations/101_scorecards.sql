-- 一体考评 (issue 17, docs/assessment.md): stored scorecards of every center and small grid per
-- period, made by `minqing assess` and by `minqing workflow tick` when a month closes. A run
-- keeps the text of the rules it was made with; re-making a period replaces its rows.
CREATE TABLE scorecard_runs (
    period_key    text PRIMARY KEY CHECK (length(period_key) BETWEEN 1 AND 40),
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    computed_at   timestamptz NOT NULL,
    -- true when the period had ended when it was made (its figures no longer change)
    final         boolean NOT NULL,
    rules_version text NOT NULL,
    rules_text    text NOT NULL,
    CONSTRAINT scorecard_runs_period_order CHECK (period_end > period_start)
);

CREATE TABLE scorecards (
    period_key     text NOT NULL REFERENCES scorecard_runs (period_key) ON DELETE CASCADE,
    subject        text NOT NULL CHECK (subject IN ('center', 'grid')),
    code           text NOT NULL,
    name           text NOT NULL,
    level          text NOT NULL,
    parent_code    text,
    -- where the subject sits, as on incidents: row-level security scopes both alike. The city
    -- center has none of them (only the city's users see it), a sub-center its district only.
    district_code  text,
    street_code    text,
    community_code text,
    grid_code      text,
    received            integer NOT NULL,
    accept_due          integer NOT NULL,
    accepted_on_time    integer NOT NULL,
    finished            integer NOT NULL,
    finished_on_time    integer NOT NULL,
    open_end            integer NOT NULL,
    overdue_end         integer NOT NULL,
    returned            integer NOT NULL,
    reopened            integer NOT NULL,
    supervised          integer NOT NULL,
    escalated           integer NOT NULL,
    follow_ups          integer NOT NULL,
    satisfied           integer NOT NULL,
    basically_satisfied integer NOT NULL,
    dissatisfied        integer NOT NULL,
    unreachable         integer NOT NULL,
    score          double precision CHECK (score BETWEEN 0 AND 100),
    grade          text,
    -- 1 = best among the scored subjects of the same level in the whole city
    rank           integer CHECK (rank >= 1),
    peers          integer NOT NULL DEFAULT 0,
    -- per indicator: value, base, score (null: not rated), weight, points, lost
    contributions  jsonb NOT NULL,
    PRIMARY KEY (period_key, subject, code),
    CONSTRAINT scorecards_rank_when_scored CHECK ((rank IS NULL) = (score IS NULL))
);
CREATE INDEX scorecards_district_idx ON scorecards (period_key, district_code);

ALTER TABLE scorecards ENABLE ROW LEVEL SECURITY;
CREATE POLICY scorecards_scope ON scorecards FOR SELECT TO minqing_app
    USING (minqing_in_scope(district_code, street_code, community_code, grid_code));
GRANT SELECT ON scorecard_runs, scorecards TO minqing_app;
