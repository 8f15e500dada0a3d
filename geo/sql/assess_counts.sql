-- 一体考评 (issue 17, docs/assessment.md): what each center and each small grid did over a
-- period [start, end): one row per center (by_grid false) and per grid (by_grid true).
-- %(state_at)s is when "open and overdue at the end" is read: the period's end, or now while
-- the period runs. %(now)s bounds what can be seen of later steps (acceptance).
WITH period_events AS MATERIALIZED (
    SELECT e.id, e.incident_id, e.at, e.action, e.center_code, e.acting_center, e.satisfaction
    FROM incident_events e
    WHERE e.at >= %(start)s AND e.at < %(end)s
      AND e.action IN ('reported', 'assigned', 'transferred', 'escalated', 'returned',
                       'resolved', 'closed', 'reopened', 'supervised')
), receipts AS (
    -- a case arriving at a center: assigned, transferred or escalated to it, or routed to it
    -- as it was reported (intake); each arrival is judged on its own, a case counts once
    SELECT incident_id, center_code, at
    FROM period_events
    WHERE action IN ('reported', 'assigned', 'transferred', 'escalated')
      AND center_code IS NOT NULL
), acceptance AS (
    SELECT r.incident_id, r.center_code, r.at, n.accepted_at, n.left_at
    FROM receipts r
    CROSS JOIN LATERAL (
        SELECT min(e.at) FILTER (WHERE e.action = 'accepted' AND e.center_code = r.center_code)
                   AS accepted_at,
               min(e.at) FILTER (WHERE e.center_code IS DISTINCT FROM r.center_code) AS left_at
        FROM incident_events e
        WHERE e.incident_id = r.incident_id AND e.at >= r.at AND e.at < %(now)s
    ) n
), state_at_end AS (
    -- the last step before the end of each case that may be open then: holder and status
    SELECT DISTINCT ON (e.incident_id) e.incident_id, e.center_code, e.to_status, i.deadline_at
    FROM incidents i
    JOIN incident_events e ON e.incident_id = i.id AND e.at < %(state_at)s
    WHERE i.reported_at < %(state_at)s
      AND (i.resolved_at IS NULL OR i.resolved_at >= %(state_at)s)
    ORDER BY e.incident_id, e.at DESC, e.id DESC
), facts (incident_id, center_code, fact, flag, answer, inherited) AS (
    SELECT incident_id, center_code, 'received', false, NULL::text, false FROM receipts
    UNION ALL
    -- acceptance is judged once the center accepted (before the case moved on), or once the
    -- time allowed has passed without acceptance; a case sent on unaccepted is not judged
    SELECT incident_id, center_code, 'accept',
           coalesce(accepted_at - at <= %(accept_hours)s * interval '1 hour', false), NULL, false
    FROM acceptance
    WHERE (accepted_at IS NOT NULL AND (left_at IS NULL OR accepted_at <= left_at))
       OR (accepted_at IS NULL AND left_at IS NULL
           AND %(now)s - at > %(accept_hours)s * interval '1 hour')
    UNION ALL
    -- finishing and the end state are judged on the center that had the case in time: one
    -- it received already past its deadline (an escalated overdue case) is `inherited`
    SELECT e.incident_id, e.center_code, 'finished', e.at <= i.deadline_at, NULL,
           coalesce(r.at > i.deadline_at, false)
    FROM period_events e
    JOIN incidents i ON i.id = e.incident_id
    LEFT JOIN LATERAL (
        SELECT max(x.at) AS at FROM incident_events x
        WHERE x.incident_id = e.incident_id AND x.center_code = e.center_code AND x.at <= e.at
          AND x.action IN ('reported', 'assigned', 'transferred', 'escalated')
    ) r ON true
    WHERE e.action = 'resolved'
    UNION ALL
    SELECT s.incident_id, s.center_code, 'open_end', s.deadline_at < %(state_at)s, NULL,
           coalesce(r.at > s.deadline_at, false)
    FROM state_at_end s
    LEFT JOIN LATERAL (
        SELECT max(x.at) AS at FROM incident_events x
        WHERE x.incident_id = s.incident_id AND x.center_code = s.center_code
          AND x.at < %(state_at)s
          AND x.action IN ('reported', 'assigned', 'transferred', 'escalated')
    ) r ON true
    WHERE s.to_status IN ('reported', 'assigned', 'in_progress')
    UNION ALL
    -- returns and escalations count for the center that made them
    SELECT incident_id, acting_center, action, false, NULL, false
    FROM period_events WHERE action IN ('returned', 'escalated')
    UNION ALL
    -- reopening and supervision count for the center holding the case
    SELECT incident_id, center_code, action, false, NULL, false
    FROM period_events WHERE action IN ('reopened', 'supervised')
    UNION ALL
    SELECT incident_id, center_code, 'follow_up', false, satisfaction, false
    FROM period_events WHERE action = 'closed'
)
SELECT GROUPING(f.center_code) = 1 AS by_grid,
       CASE WHEN GROUPING(f.center_code) = 0 THEN f.center_code ELSE i.grid_code END AS code,
       count(DISTINCT f.incident_id) FILTER (WHERE f.fact = 'received') AS received,
       count(*) FILTER (WHERE f.fact = 'accept') AS accept_due,
       count(*) FILTER (WHERE f.fact = 'accept' AND f.flag) AS accepted_on_time,
       count(*) FILTER (WHERE f.fact = 'finished') AS finished,
       count(*) FILTER (WHERE f.fact = 'finished' AND f.flag) AS finished_on_time,
       count(*) FILTER (WHERE f.fact = 'open_end') AS open_end,
       count(*) FILTER (WHERE f.fact = 'open_end' AND f.flag) AS overdue_end,
       count(*) FILTER (WHERE f.fact = 'returned') AS returned,
       count(DISTINCT f.incident_id) FILTER (WHERE f.fact = 'reopened') AS reopened,
       count(DISTINCT f.incident_id) FILTER (WHERE f.fact = 'supervised') AS supervised,
       count(*) FILTER (WHERE f.fact = 'escalated') AS escalated,
       count(*) FILTER (WHERE f.fact = 'follow_up') AS follow_ups,
       count(*) FILTER (WHERE f.answer = 'satisfied') AS satisfied,
       count(*) FILTER (WHERE f.answer = 'basically_satisfied') AS basically_satisfied,
       count(*) FILTER (WHERE f.answer = 'dissatisfied') AS dissatisfied,
       count(*) FILTER (WHERE f.answer = 'unreachable') AS unreachable,
       -- received past their deadline: left out of a center's finishing and end state
       count(*) FILTER (WHERE f.fact = 'finished' AND f.inherited) AS inherited_finished,
       count(*) FILTER (WHERE f.fact = 'open_end' AND f.inherited) AS inherited_open
FROM facts f
JOIN incidents i ON i.id = f.incident_id
GROUP BY GROUPING SETS ((f.center_code), (i.grid_code))
HAVING GROUPING(f.center_code) = 1 OR f.center_code IS NOT NULL
