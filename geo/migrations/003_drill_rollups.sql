-- Daily rollups of incidents for the whole city (code '*'), each district, street and
-- community (issue 4, the drill-down), kept in step with `incidents` by statement-level
-- triggers, so that a view of a month reads a few thousand small rows instead of up to
-- hundreds of thousands of incidents. Days are China Standard Time days. A grid holds few
-- enough incidents to be counted from `incidents` directly (geo/queries/rollup.py chooses).
-- Every counter is a plain sum, so adding and subtracting rows keeps them exact.

-- Flows, by the day they happen and the case's category and source:
--   new, major_new, escalated_new, repeat_new   on the CST day the case was reported
--   concluded, resolved, concluded_late, hours  on the CST day it was resolved
CREATE TABLE incident_daily_flows (
    code            text NOT NULL,
    day             date NOT NULL,
    category        text NOT NULL,
    source          text NOT NULL,
    new             integer NOT NULL DEFAULT 0,
    major_new       integer NOT NULL DEFAULT 0,
    escalated_new   integer NOT NULL DEFAULT 0,
    repeat_new      integer NOT NULL DEFAULT 0,
    concluded       integer NOT NULL DEFAULT 0,
    resolved        integer NOT NULL DEFAULT 0,
    concluded_late  integer NOT NULL DEFAULT 0,
    hours           double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (code, day, category, source)
);

-- Stock changes by day: open at the end of day D = Σ over days ≤ D of (opened − closed);
-- overdue at D's end = Σ (due − due_done), where `due` counts deadlines falling on a day and
-- `due_done` resolved cases on the later of their deadline day and resolution day (a case is
-- overdue at instant T when its deadline < T and it is not resolved before T).
CREATE TABLE incident_daily_stocks (
    code          text NOT NULL,
    day           date NOT NULL,
    opened        integer NOT NULL DEFAULT 0,
    closed        integer NOT NULL DEFAULT 0,
    due           integer NOT NULL DEFAULT 0,
    due_done      integer NOT NULL DEFAULT 0,
    major_opened  integer NOT NULL DEFAULT 0,
    major_closed  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (code, day)
);

-- Handling times (hours from report to resolution) of the cases resolved on a day, counted in
-- buckets one hour wide below 240 h and one day wide above, for the city, each district and
-- street (their percentiles are read from the buckets; a community's from its incidents).
CREATE TABLE incident_daily_handling (
    code    text NOT NULL,
    day     date NOT NULL,
    bucket  smallint NOT NULL,
    n       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (code, day, bucket)
);

-- "Repeat" reports: an earlier report from the same address of the same grid in the 30 days
-- before. This index answers that question for a few new rows without a scan.
CREATE INDEX incidents_address_idx ON incidents (grid_code, address, reported_at);

CREATE FUNCTION rollup_cst_day(moment timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (moment AT TIME ZONE 'Asia/Shanghai')::date;

CREATE FUNCTION rollup_bucket(hours double precision) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN hours < 240 THEN greatest(floor(hours), 0)
                ELSE least(240 + floor((hours - 240) / 24), 32000) END::smallint;

-- Applies the rows of pg_temp.rollup_changes (sign, the incident's columns, repeat flag) to
-- the rollups: grouped per community first, then summed per street, district and city.
CREATE FUNCTION rollup_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    ANALYZE pg_temp.rollup_changes;  -- a temporary table has no statistics otherwise
    WITH per_day AS (
        SELECT community_code, street_code, district_code, rollup_cst_day(reported_at) AS day,
               category, source, sum(sign) AS new, sum(sign * is_major_risk::int) AS major_new,
               sum(sign * (escalations > 0)::int) AS escalated_new,
               sum(sign * is_repeat::int) AS repeat_new, 0 AS concluded, 0 AS resolved,
               0 AS concluded_late, 0::float8 AS hours
        FROM pg_temp.rollup_changes
        GROUP BY 1, 2, 3, 4, 5, 6
        UNION ALL
        SELECT community_code, street_code, district_code, rollup_cst_day(resolved_at),
               category, source, 0, 0, 0, 0, sum(sign), sum(sign * (result = 'resolved')::int),
               sum(sign * (resolved_at > deadline_at)::int),
               sum(sign * extract(epoch FROM resolved_at - reported_at)::float8 / 3600)
        FROM pg_temp.rollup_changes
        WHERE resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6
    ), communities AS (
        SELECT community_code, street_code, district_code, day, category, source,
               sum(new) AS new, sum(major_new) AS major_new, sum(escalated_new) AS escalated_new,
                   sum(repeat_new) AS repeat_new, sum(concluded) AS concluded,
                   sum(resolved) AS resolved, sum(concluded_late) AS concluded_late,
                   sum(hours) AS hours
        FROM per_day
        GROUP BY 1, 2, 3, 4, 5, 6
    ), streets AS (
        SELECT street_code, district_code, day, category, source,
               sum(new) AS new, sum(major_new) AS major_new, sum(escalated_new) AS escalated_new,
                   sum(repeat_new) AS repeat_new, sum(concluded) AS concluded,
                   sum(resolved) AS resolved, sum(concluded_late) AS concluded_late,
                   sum(hours) AS hours
        FROM communities
        GROUP BY 1, 2, 3, 4, 5
    )
    INSERT INTO incident_daily_flows AS f (code, day, category, source, new, major_new,
        escalated_new, repeat_new, concluded, resolved, concluded_late, hours)
    SELECT community_code, day, category, source, new, major_new, escalated_new, repeat_new,
        concluded, resolved, concluded_late, hours
    FROM communities
    UNION ALL
    SELECT street_code, day, category, source, new, major_new, escalated_new, repeat_new,
        concluded, resolved, concluded_late, hours
    FROM streets
    UNION ALL
    SELECT district_code, day, category, source,
           sum(new), sum(major_new), sum(escalated_new), sum(repeat_new), sum(concluded),
               sum(resolved), sum(concluded_late), sum(hours)
    FROM streets
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT '*', day, category, source,
           sum(new), sum(major_new), sum(escalated_new), sum(repeat_new), sum(concluded),
               sum(resolved), sum(concluded_late), sum(hours)
    FROM streets
    GROUP BY 2, 3, 4
    ORDER BY 1, 2, 3, 4  -- index order: inserting in order keeps the btree writes local
    ON CONFLICT (code, day, category, source) DO UPDATE SET
        new = f.new + EXCLUDED.new, major_new = f.major_new + EXCLUDED.major_new,
        escalated_new = f.escalated_new + EXCLUDED.escalated_new,
        repeat_new = f.repeat_new + EXCLUDED.repeat_new,
        concluded = f.concluded + EXCLUDED.concluded, resolved = f.resolved + EXCLUDED.resolved,
        concluded_late = f.concluded_late + EXCLUDED.concluded_late,
        hours = f.hours + EXCLUDED.hours;

    WITH per_day AS (
        SELECT community_code, street_code, district_code, rollup_cst_day(reported_at) AS day,
               sum(sign) AS opened, 0 AS closed, 0 AS due, 0 AS due_done,
               sum(sign * is_major_risk::int) AS major_opened, 0 AS major_closed
        FROM pg_temp.rollup_changes
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT community_code, street_code, district_code, rollup_cst_day(resolved_at),
               0, sum(sign), 0, 0, 0, sum(sign * is_major_risk::int)
        FROM pg_temp.rollup_changes
        WHERE resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT community_code, street_code, district_code, rollup_cst_day(deadline_at),
               0, 0, sum(sign), 0, 0, 0
        FROM pg_temp.rollup_changes
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT community_code, street_code, district_code,
               rollup_cst_day(greatest(deadline_at, resolved_at)), 0, 0, 0, sum(sign), 0, 0
        FROM pg_temp.rollup_changes
        WHERE resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4
    ), communities AS (
        SELECT community_code, street_code, district_code, day,
               sum(opened) AS opened, sum(closed) AS closed, sum(due) AS due,
                   sum(due_done) AS due_done, sum(major_opened) AS major_opened,
                   sum(major_closed) AS major_closed
        FROM per_day
        GROUP BY 1, 2, 3, 4
    ), streets AS (
        SELECT street_code, district_code, day,
               sum(opened) AS opened, sum(closed) AS closed, sum(due) AS due,
                   sum(due_done) AS due_done, sum(major_opened) AS major_opened,
                   sum(major_closed) AS major_closed
        FROM communities
        GROUP BY 1, 2, 3
    )
    INSERT INTO incident_daily_stocks AS s (code, day, opened, closed, due, due_done,
        major_opened, major_closed)
    SELECT community_code, day, opened, closed, due, due_done, major_opened,
        major_closed FROM communities
    UNION ALL
    SELECT street_code, day, opened, closed, due, due_done, major_opened, major_closed FROM streets
    UNION ALL
    SELECT district_code, day, sum(opened), sum(closed), sum(due), sum(due_done),
        sum(major_opened), sum(major_closed)
    FROM streets
    GROUP BY 1, 2
    UNION ALL
    SELECT '*', day, sum(opened), sum(closed), sum(due), sum(due_done), sum(major_opened),
        sum(major_closed)
    FROM streets
    GROUP BY 2
    ORDER BY 1, 2
    ON CONFLICT (code, day) DO UPDATE SET
        opened = s.opened + EXCLUDED.opened, closed = s.closed + EXCLUDED.closed,
        due = s.due + EXCLUDED.due, due_done = s.due_done + EXCLUDED.due_done,
        major_opened = s.major_opened + EXCLUDED.major_opened,
        major_closed = s.major_closed + EXCLUDED.major_closed;

    WITH streets AS (
        SELECT street_code, district_code, rollup_cst_day(resolved_at) AS day,
               rollup_bucket(extract(epoch FROM resolved_at - reported_at)::float8 / 3600)
                   AS bucket,
               sum(sign) AS n
        FROM pg_temp.rollup_changes
        WHERE resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4
    )
    INSERT INTO incident_daily_handling AS h (code, day, bucket, n)
    SELECT street_code, day, bucket, n FROM streets
    UNION ALL
    SELECT district_code, day, bucket, sum(n) FROM streets GROUP BY 1, 2, 3
    UNION ALL
    SELECT '*', day, bucket, sum(n) FROM streets GROUP BY 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (code, day, bucket) DO UPDATE SET n = h.n + EXCLUDED.n;

    DROP TABLE pg_temp.rollup_changes;
END
$$;

-- New rows count with their repeat flag (an earlier report at the same grid and address
-- within 30 days, found among the new rows and the stored ones alike).
CREATE FUNCTION rollup_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE rollup_changes ON COMMIT DROP AS
    WITH addr AS (
        SELECT DISTINCT grid_code, address FROM new_rows WHERE address <> ''
    ), near AS (
        SELECT i.id, i.grid_code, i.address, i.reported_at,
               i.reported_at - lag(i.reported_at) OVER (
                   PARTITION BY i.grid_code, i.address ORDER BY i.reported_at, i.id)
                   <= interval '30 days' AS is_repeat
        FROM incidents i JOIN addr USING (grid_code, address)
        WHERE i.reported_at >= (SELECT min(reported_at) FROM new_rows) - interval '30 days'
    )
    SELECT 1 AS sign, n.district_code, n.street_code, n.community_code, n.category, n.source,
           n.reported_at,
           n.resolved_at, n.deadline_at, n.result, n.is_major_risk, n.escalations,
           coalesce(near.is_repeat, false) AS is_repeat
    FROM new_rows n LEFT JOIN near ON near.id = n.id;
    PERFORM rollup_apply();
    RETURN NULL;
END
$$;

-- Changed rows move their counts (old ones subtracted, new ones added). The repeat flag is
-- decided once, when a case is reported: an update never changes it.
CREATE FUNCTION rollup_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE rollup_changes ON COMMIT DROP AS
    SELECT -1 AS sign, district_code, street_code, community_code, category, source, reported_at,
           resolved_at, deadline_at, result, is_major_risk, escalations,
               false AS is_repeat FROM old_rows
    UNION ALL
    SELECT 1, district_code, street_code, community_code, category, source, reported_at,
           resolved_at, deadline_at, result, is_major_risk, escalations, false FROM new_rows;
    PERFORM rollup_apply();
    RETURN NULL;
END
$$;

CREATE FUNCTION rollup_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE rollup_changes ON COMMIT DROP AS
    SELECT -1 AS sign, district_code, street_code, community_code, category, source, reported_at,
           resolved_at, deadline_at, result, is_major_risk, escalations,
               false AS is_repeat FROM old_rows;
    PERFORM rollup_apply();
    RETURN NULL;
END
$$;

CREATE FUNCTION rollup_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE incident_daily_flows, incident_daily_stocks, incident_daily_handling;
    RETURN NULL;
END
$$;

CREATE TRIGGER incidents_rollup_insert AFTER INSERT ON incidents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_after_insert();
CREATE TRIGGER incidents_rollup_update AFTER UPDATE ON incidents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_after_update();
CREATE TRIGGER incidents_rollup_delete AFTER DELETE ON incidents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_after_delete();
CREATE TRIGGER incidents_rollup_truncate AFTER TRUNCATE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_after_truncate();

-- Rows already stored when this migration runs.
CREATE TEMP TABLE rollup_changes ON COMMIT DROP AS
SELECT 1 AS sign, i.district_code, i.street_code, i.community_code, i.category, i.source,
       i.reported_at,
       i.resolved_at, i.deadline_at, i.result, i.is_major_risk, i.escalations,
       coalesce(i.reported_at - lag(i.reported_at) OVER (
           PARTITION BY i.grid_code, i.address ORDER BY i.reported_at, i.id)
           <= interval '30 days', false) AND i.address <> '' AS is_repeat
FROM incidents i;
SELECT rollup_apply();
