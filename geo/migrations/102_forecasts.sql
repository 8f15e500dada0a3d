-- 预判 (issue 17, docs/forecast.md): weekly forecasts of reports per grid, community, street,
-- district and the city, per category and in all ('*'), with their interval; made by
-- `minqing forecast run` (kind 'forecast') and `minqing forecast backtest` (kind 'backtest':
-- the rolling one-week-ahead forecasts of the last weeks, and the run's figures).
CREATE TABLE forecast_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('forecast', 'backtest')),
    made_at       timestamptz NOT NULL,
    -- the Monday 00:00 CST the first forecast week starts (a backtest: its first origin)
    origin        timestamptz NOT NULL,
    weeks         integer NOT NULL CHECK (weeks >= 0),  -- complete weeks of history used
    seconds       double precision NOT NULL DEFAULT 0,
    -- a backtest's measures (MAE, MASE, PAI, coverage, per method and horizon); timings
    figures       jsonb NOT NULL DEFAULT '{}'::jsonb,
    rules_version text NOT NULL,
    rules_text    text NOT NULL
);
CREATE INDEX forecast_runs_kind_idx ON forecast_runs (kind, made_at DESC);

CREATE TABLE forecasts (
    run_id        bigint NOT NULL REFERENCES forecast_runs (id) ON DELETE CASCADE,
    origin        timestamptz NOT NULL,  -- when it was made: the first week it forecasts
    week_start    timestamptz NOT NULL,  -- the week forecast (Monday 00:00 CST)
    horizon       smallint NOT NULL CHECK (horizon >= 1),
    level         text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community', 'grid')),
    area_code     text NOT NULL,
    category      text NOT NULL,  -- a category, or '*' for all of them
    mean          real NOT NULL CHECK (mean >= 0),
    low           real NOT NULL CHECK (low >= 0),
    median        real NOT NULL CHECK (median >= 0),
    high          real NOT NULL CHECK (high >= low),
    recent        real NOT NULL,  -- mean reports a week over the four weeks before the origin
    history       integer NOT NULL,  -- weeks since the area's first report (0: none yet)
    -- where the row sits, as on incidents: row-level security scopes both alike (the city's
    -- rows have none of them, a district's its own only, ...)
    district_code  text,
    street_code    text,
    community_code text,
    grid_code      text,
    PRIMARY KEY (run_id, level, area_code, category, origin, horizon)
);
CREATE INDEX forecasts_area_idx ON forecasts (area_code, category, week_start);

ALTER TABLE forecasts ENABLE ROW LEVEL SECURITY;
CREATE POLICY forecasts_scope ON forecasts FOR SELECT TO minqing_app
    USING (minqing_in_scope(district_code, street_code, community_code, grid_code));
GRANT SELECT ON forecast_runs, forecasts TO minqing_app;
