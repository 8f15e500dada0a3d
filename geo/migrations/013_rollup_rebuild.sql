-- Seed speed (issue 2): the daily rollups of migration 003 recounted from all stored incidents
-- in one set-based pass (the demo seed after its COPY of 2.4 million incidents).
--
-- How changes become rollup rows is defined once, in the three row functions below: migration
-- 003's statements, with every count summed as an integer (sum(bigint) is a numeric, several
-- times slower to aggregate; the counts stay far below 2^31). rollup_apply() writes the rows:
-- added to the stored counters when a rollup holds rows, with plain INSERTs into an empty one
-- (nothing can conflict there, and an upsert probes the primary key for every row).
-- rollup_rebuild() empties the rollups, builds the insert trigger's changes table for every
-- stored incident, repeat flags included, applies it without primary keys, builds the keys
-- once at the end and analyzes the rollups.

-- The bodies read pg_temp.rollup_changes, which exists only while changes are applied.
SET LOCAL check_function_bodies = off;

-- Flow rows of the changes: per community, street, district and the city ('*').
CREATE FUNCTION rollup_flow_rows() RETURNS SETOF incident_daily_flows LANGUAGE sql AS $$
    WITH per_day AS (
        SELECT community_code, street_code, district_code, rollup_cst_day(reported_at) AS day,
               category, source, sum(sign)::int AS new,
               sum(sign * is_major_risk::int)::int AS major_new,
               sum(sign * (escalations > 0)::int)::int AS escalated_new,
               sum(sign * is_repeat::int)::int AS repeat_new, 0 AS concluded, 0 AS resolved,
               0 AS concluded_late, 0::float8 AS hours
        FROM pg_temp.rollup_changes
        GROUP BY 1, 2, 3, 4, 5, 6
        UNION ALL
        SELECT community_code, street_code, district_code, rollup_cst_day(resolved_at),
               category, source, 0, 0, 0, 0, sum(sign)::int,
               sum(sign * (result = 'resolved')::int)::int,
               sum(sign * (resolved_at > deadline_at)::int)::int,
               sum(sign * extract(epoch FROM resolved_at - reported_at)::float8 / 3600)
        FROM pg_temp.rollup_changes
        WHERE resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6
    ), communities AS (
        SELECT community_code, street_code, district_code, day, category, source,
               sum(new)::int AS new, sum(major_new)::int AS major_new,
               sum(escalated_new)::int AS escalated_new,
               sum(repeat_new)::int AS repeat_new, sum(concluded)::int AS concluded,
               sum(resolved)::int AS resolved, sum(concluded_late)::int AS concluded_late,
               sum(hours) AS hours
        FROM per_day
        GROUP BY 1, 2, 3, 4, 5, 6
    ), streets AS (
        SELECT street_code, district_code, day, category, source,
               sum(new)::int AS new, sum(major_new)::int AS major_new,
               sum(escalated_new)::int AS escalated_new,
               sum(repeat_new)::int AS repeat_new, sum(concluded)::int AS concluded,
               sum(resolved)::int AS resolved, sum(concluded_late)::int AS concluded_late,
               sum(hours) AS hours
        FROM communities
        GROUP BY 1, 2, 3, 4, 5
    ), all_levels AS (
        SELECT community_code AS code, day, category, source, new, major_new, escalated_new,
               repeat_new, concluded, resolved, concluded_late, hours
        FROM communities
        UNION ALL
        SELECT street_code, day, category, source, new, major_new, escalated_new, repeat_new,
               concluded, resolved, concluded_late, hours
        FROM streets
        UNION ALL
        SELECT district_code, day, category, source,
               sum(new)::int, sum(major_new)::int, sum(escalated_new)::int,
               sum(repeat_new)::int, sum(concluded)::int, sum(resolved)::int,
               sum(concluded_late)::int, sum(hours)
        FROM streets
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT '*', day, category, source,
               sum(new)::int, sum(major_new)::int, sum(escalated_new)::int,
               sum(repeat_new)::int, sum(concluded)::int, sum(resolved)::int,
               sum(concluded_late)::int, sum(hours)
        FROM streets
        GROUP BY 2, 3, 4
    )
    SELECT code, day, category, source, new, major_new, escalated_new, repeat_new,
           concluded, resolved, concluded_late, hours
    FROM all_levels
$$;

-- Stock rows of the changes: per community, street, district and the city.
CREATE FUNCTION rollup_stock_rows() RETURNS SETOF incident_daily_stocks LANGUAGE sql AS $$
    WITH per_day AS (
        SELECT community_code, street_code, district_code, rollup_cst_day(reported_at) AS day,
               sum(sign)::int AS opened, 0 AS closed, 0 AS due, 0 AS due_done,
               sum(sign * is_major_risk::int)::int AS major_opened, 0 AS major_closed
        FROM pg_temp.rollup_changes
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT community_code, street_code, district_code, rollup_cst_day(resolved_at),
               0, sum(sign)::int, 0, 0, 0, sum(sign * is_major_risk::int)::int
        FROM pg_temp.rollup_changes
        WHERE resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT community_code, street_code, district_code, rollup_cst_day(deadline_at),
               0, 0, sum(sign)::int, 0, 0, 0
        FROM pg_temp.rollup_changes
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT community_code, street_code, district_code,
               rollup_cst_day(greatest(deadline_at, resolved_at)), 0, 0, 0, sum(sign)::int, 0, 0
        FROM pg_temp.rollup_changes
        WHERE resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4
    ), communities AS (
        SELECT community_code, street_code, district_code, day,
               sum(opened)::int AS opened, sum(closed)::int AS closed, sum(due)::int AS due,
               sum(due_done)::int AS due_done, sum(major_opened)::int AS major_opened,
               sum(major_closed)::int AS major_closed
        FROM per_day
        GROUP BY 1, 2, 3, 4
    ), streets AS (
        SELECT street_code, district_code, day,
               sum(opened)::int AS opened, sum(closed)::int AS closed, sum(due)::int AS due,
               sum(due_done)::int AS due_done, sum(major_opened)::int AS major_opened,
               sum(major_closed)::int AS major_closed
        FROM communities
        GROUP BY 1, 2, 3
    ), all_levels AS (
        SELECT community_code AS code, day, opened, closed, due, due_done, major_opened,
               major_closed
        FROM communities
        UNION ALL
        SELECT street_code, day, opened, closed, due, due_done, major_opened, major_closed
        FROM streets
        UNION ALL
        SELECT district_code, day, sum(opened)::int, sum(closed)::int, sum(due)::int,
               sum(due_done)::int, sum(major_opened)::int, sum(major_closed)::int
        FROM streets
        GROUP BY 1, 2
        UNION ALL
        SELECT '*', day, sum(opened)::int, sum(closed)::int, sum(due)::int,
               sum(due_done)::int, sum(major_opened)::int, sum(major_closed)::int
        FROM streets
        GROUP BY 2
    )
    SELECT code, day, opened, closed, due, due_done, major_opened, major_closed
    FROM all_levels
$$;

-- Handling-time rows of the changes: per street, district and the city.
CREATE FUNCTION rollup_handling_rows() RETURNS SETOF incident_daily_handling LANGUAGE sql AS $$
    WITH streets AS (
        SELECT street_code, district_code, rollup_cst_day(resolved_at) AS day,
               rollup_bucket(extract(epoch FROM resolved_at - reported_at)::float8 / 3600)
                   AS bucket,
               sum(sign)::int AS n
        FROM pg_temp.rollup_changes
        WHERE resolved_at IS NOT NULL
        GROUP BY 1, 2, 3, 4
    ), all_levels AS (
        SELECT street_code AS code, day, bucket, n FROM streets
        UNION ALL
        SELECT district_code, day, bucket, sum(n)::int FROM streets GROUP BY 1, 2, 3
        UNION ALL
        SELECT '*', day, bucket, sum(n)::int FROM streets GROUP BY 2, 3
    )
    SELECT code, day, bucket, n FROM all_levels
$$;

-- Applies the rows of pg_temp.rollup_changes (sign, the incident's columns, repeat flag) to
-- the rollups, then drops that table. Called by the triggers of migration 003.
CREATE OR REPLACE FUNCTION rollup_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    ANALYZE pg_temp.rollup_changes;  -- a temporary table has no statistics otherwise
    IF EXISTS (SELECT FROM incident_daily_flows) THEN
        INSERT INTO incident_daily_flows AS f
        SELECT * FROM rollup_flow_rows()
        ORDER BY 1, 2, 3, 4  -- index order: inserting in order keeps the btree writes local
        ON CONFLICT (code, day, category, source) DO UPDATE SET
            new = f.new + EXCLUDED.new, major_new = f.major_new + EXCLUDED.major_new,
            escalated_new = f.escalated_new + EXCLUDED.escalated_new,
            repeat_new = f.repeat_new + EXCLUDED.repeat_new,
            concluded = f.concluded + EXCLUDED.concluded,
            resolved = f.resolved + EXCLUDED.resolved,
            concluded_late = f.concluded_late + EXCLUDED.concluded_late,
            hours = f.hours + EXCLUDED.hours;
    ELSE
        INSERT INTO incident_daily_flows SELECT * FROM rollup_flow_rows();
    END IF;

    IF EXISTS (SELECT FROM incident_daily_stocks) THEN
        INSERT INTO incident_daily_stocks AS s
        SELECT * FROM rollup_stock_rows()
        ORDER BY 1, 2
        ON CONFLICT (code, day) DO UPDATE SET
            opened = s.opened + EXCLUDED.opened, closed = s.closed + EXCLUDED.closed,
            due = s.due + EXCLUDED.due, due_done = s.due_done + EXCLUDED.due_done,
            major_opened = s.major_opened + EXCLUDED.major_opened,
            major_closed = s.major_closed + EXCLUDED.major_closed;
    ELSE
        INSERT INTO incident_daily_stocks SELECT * FROM rollup_stock_rows();
    END IF;

    IF EXISTS (SELECT FROM incident_daily_handling) THEN
        INSERT INTO incident_daily_handling AS h
        SELECT * FROM rollup_handling_rows()
        ORDER BY 1, 2, 3
        ON CONFLICT (code, day, bucket) DO UPDATE SET n = h.n + EXCLUDED.n;
    ELSE
        INSERT INTO incident_daily_handling SELECT * FROM rollup_handling_rows();
    END IF;

    DROP TABLE pg_temp.rollup_changes;
END
$$;

-- Recounts the rollups from every stored incident. The repeat flag is the insert trigger's:
-- an earlier report from the same grid and address within 30 days (sorted byte-wise: only
-- equality of the codes and addresses matters, and a byte-wise sort is several times faster).
CREATE FUNCTION rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    drops text[];
    adds text[];
    statement text;
BEGIN
    TRUNCATE incident_daily_flows, incident_daily_stocks, incident_daily_handling;
    SELECT array_agg(format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname)),
           array_agg(format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                            pg_get_constraintdef(oid)))
    INTO drops, adds
    FROM pg_constraint
    WHERE contype = 'p' AND conrelid IN ('incident_daily_flows'::regclass,
        'incident_daily_stocks'::regclass, 'incident_daily_handling'::regclass);
    FOREACH statement IN ARRAY drops LOOP
        EXECUTE statement;
    END LOOP;

    CREATE TEMP TABLE rollup_changes ON COMMIT DROP AS
    SELECT 1 AS sign, i.district_code, i.street_code, i.community_code, i.category, i.source,
           i.reported_at, i.resolved_at, i.deadline_at, i.result, i.is_major_risk,
           i.escalations,
           coalesce(i.reported_at - lag(i.reported_at) OVER (
               PARTITION BY i.grid_code COLLATE "C", i.address COLLATE "C"
               ORDER BY i.reported_at, i.id) <= interval '30 days', false)
               AND i.address <> '' AS is_repeat
    FROM incidents i;
    PERFORM rollup_apply();

    FOREACH statement IN ARRAY adds LOOP
        EXECUTE statement;
    END LOOP;
    ANALYZE incident_daily_flows, incident_daily_stocks, incident_daily_handling;
END
$$;

REVOKE EXECUTE ON FUNCTION rollup_flow_rows(), rollup_stock_rows(), rollup_handling_rows(),
    rollup_rebuild() FROM PUBLIC;
