-- 定期发布 (issue 17, docs/publishing.md): the safety reports published when their period
-- closes (the month for the city and every district, the week for the city), by
-- `minqing workflow tick` or `minqing publish due`. Each keeps its files and the rules it was
-- made with; re-making one adds a new version (who, when, why) and keeps the old ones.
CREATE TABLE published_reports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_kind   text NOT NULL CHECK (period_kind IN ('month', 'week')),
    period_key    text NOT NULL CHECK (length(period_key) BETWEEN 1 AND 40),
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    area_code     text NOT NULL,
    area_name     text NOT NULL,
    area_level    text NOT NULL CHECK (area_level IN ('city', 'district')),
    -- where the report sits, as on incidents (row-level security scopes both alike): a
    -- district's report for that district's users and the city's, the city's for the city's
    district_code text,
    version       integer NOT NULL CHECK (version >= 1),
    made_at       timestamptz NOT NULL,
    made_by       text NOT NULL CHECK (length(made_by) BETWEEN 1 AND 200),
    reason        text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    -- the safety index's and the scorecards' rules in effect: {"safety_index": {"version",
    -- "text"}, "scorecard": {...}}
    rules         jsonb NOT NULL,
    -- what the list shows without opening the files: index, band, new, overdue …
    summary       jsonb NOT NULL DEFAULT '{}'::jsonb,
    xlsx          bytea NOT NULL,
    pdf           bytea NOT NULL,
    seconds       double precision NOT NULL DEFAULT 0,
    CONSTRAINT published_reports_period_order CHECK (period_end > period_start),
    CONSTRAINT published_reports_area_version UNIQUE (period_key, area_code, version),
    CONSTRAINT published_reports_reason_on_remake CHECK (version = 1 OR length(reason) > 0)
);
CREATE INDEX published_reports_list_idx ON published_reports (period_end DESC, area_code);

ALTER TABLE published_reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY published_reports_scope ON published_reports FOR SELECT TO minqing_app
    USING (minqing_in_scope(district_code, NULL, NULL, NULL));
GRANT SELECT ON published_reports TO minqing_app;
