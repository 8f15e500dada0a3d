-- What one refresh reads: the incidents matching the filter that were reported today or
-- concluded today and, when a status filter asks for them (%(with_history)s), the cases not
-- closed yet that count in a history window. Disjoint sets, each found by an index.
-- Today's reports and conclusions are split at a checkpoint (geo/live/queries.py, `Mark`):
-- an event at or after %(since)s, or of an incident stored after incident %(mark)s, is read
-- on every refresh; the rest of today's, of incidents up to %(upto)s, was counted once.
-- (since = today and mark = upto = the largest id: today counted in full, as one piece.)
-- They are counted in parts:
--   'today'           today's reports and conclusions whose status is among %(statuses)s;
--   'asked', 'other'  cases not closed yet whose status is, or is not, among %(statuses)s,
--                     with their reports in [prev_lo, today) and conclusions in [lo, today)
--                     (how geo/live/queries.py corrects the history for the status filter).
-- Each part per small grid, heat cell, assigned center and in total (GROUPING SETS).
WITH r AS (
    -- not closed, reported before today: the status corrections (and their conclusions today)
    SELECT i.id, i.grid_code, i.assigned_center, i.status, i.reported_at, i.resolved_at,
           i.deadline_at, i.result, i.is_major_risk, i.geom
    FROM incidents i
    WHERE %(with_history)s AND {conditions} AND i.status <> 'closed'
      AND i.reported_at < %(today)s
      AND (i.reported_at >= %(prev_lo)s OR i.resolved_at >= %(lo)s)
      AND i.id <= %(upto)s
    UNION ALL
    -- reported since the checkpoint
    SELECT i.id, i.grid_code, i.assigned_center, i.status, i.reported_at, i.resolved_at,
           i.deadline_at, i.result, i.is_major_risk, i.geom
    FROM incidents i
    WHERE {conditions} AND i.reported_at >= %(since)s AND i.reported_at < %(end)s
      AND i.id <= %(upto)s
    UNION ALL
    -- stored after the checkpoint, with a report or a conclusion today before it
    SELECT i.id, i.grid_code, i.assigned_center, i.status, i.reported_at, i.resolved_at,
           i.deadline_at, i.result, i.is_major_risk, i.geom
    FROM incidents i
    WHERE {conditions} AND i.id > %(mark)s AND i.id <= %(upto)s
      AND NOT (i.reported_at >= %(since)s AND i.reported_at < %(end)s)
      AND ((i.reported_at >= %(today)s AND i.reported_at < %(end)s)
           OR (i.resolved_at >= %(today)s AND i.resolved_at < %(end)s))
      AND NOT (%(with_history)s AND i.status <> 'closed' AND i.reported_at < %(today)s
               AND (i.reported_at >= %(prev_lo)s OR coalesce(i.resolved_at >= %(lo)s, false)))
    UNION ALL
    -- concluded since the checkpoint, reported before it
    SELECT i.id, i.grid_code, i.assigned_center, i.status, i.reported_at, i.resolved_at,
           i.deadline_at, i.result, i.is_major_risk, i.geom
    FROM incidents i
    WHERE {conditions} AND i.resolved_at >= %(since)s AND i.resolved_at < %(end)s
      AND i.reported_at < %(since)s AND i.id <= %(mark)s AND i.id <= %(upto)s
      AND (i.reported_at >= %(today)s OR i.status = 'closed' OR NOT %(with_history)s)
), p AS (
    SELECT 'today' AS part, r.*,
           r.reported_at >= %(today)s AND r.reported_at < %(end)s
               AND (r.reported_at >= %(since)s OR r.id > %(mark)s) AS is_new,
           false AS is_previous,
           r.resolved_at >= %(today)s AND r.resolved_at < %(end)s
               AND (r.resolved_at >= %(since)s OR r.id > %(mark)s) AS is_concluded
    FROM r
    WHERE r.status = ANY(%(statuses)s)
      AND (r.reported_at >= %(today)s OR r.resolved_at >= %(today)s)
    UNION ALL
    SELECT CASE WHEN r.status = ANY(%(statuses)s) THEN 'asked' ELSE 'other' END, r.*,
           r.reported_at >= %(lo)s AND r.reported_at < %(today)s,
           r.reported_at >= %(prev_lo)s AND r.reported_at < %(lo)s,
           r.resolved_at >= %(lo)s AND r.resolved_at < %(today)s
    FROM r
    WHERE %(with_history)s AND r.status <> 'closed'
      AND ((r.reported_at >= %(prev_lo)s AND r.reported_at < %(today)s)
           OR (r.resolved_at >= %(lo)s AND r.resolved_at < %(today)s))
), q AS (
    SELECT p.*, floor(ST_X(p.geom) / %(cell_dx)s)::int AS cx,
           floor(ST_Y(p.geom) / %(cell_dy)s)::int AS cy
    FROM p
    WHERE p.is_new OR p.is_previous OR p.is_concluded
)
SELECT q.part, GROUPING(q.grid_code, q.cx, q.cy, q.assigned_center) AS grouping,
       q.grid_code, q.cx, q.cy, q.assigned_center,
       count(*) FILTER (WHERE q.is_new) AS new,
       count(*) FILTER (WHERE q.is_previous) AS previous,
       count(*) FILTER (WHERE q.is_new AND q.is_major_risk) AS major_new,
       count(*) FILTER (WHERE q.is_concluded) AS concluded,
       count(*) FILTER (WHERE q.is_concluded AND q.result = 'resolved') AS resolved,
       count(*) FILTER (WHERE q.is_concluded AND q.resolved_at > q.deadline_at) AS late,
       coalesce(sum(extract(epoch FROM q.resolved_at - q.reported_at) / 3600)
                FILTER (WHERE q.is_concluded), 0)::float8 AS hours
FROM q
GROUP BY GROUPING SETS ((q.part, q.grid_code), (q.part, q.cx, q.cy),
                        (q.part, q.assigned_center), (q.part))
