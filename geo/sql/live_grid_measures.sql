-- The grid status measures of the grids listed by the grids query: stocks at %(end)s counted here from the
-- incidents matching the filter (open at end: see live_stocks.sql), flows (new, previous) given
-- as arrays by the caller (history + today, geo/queries/live.py).
WITH stocks AS (
    SELECT i.grid_code AS code,
           count(*) AS open,
           count(*) FILTER (WHERE i.deadline_at < %(end)s) AS overdue,
           count(*) FILTER (WHERE i.is_major_risk) AS major_open,
           count(*) FILTER (WHERE i.category = 'dispute') AS dispute_open,
           count(*) FILTER (WHERE i.escalations > 0) AS escalated_open
    FROM incidents i
    WHERE {conditions} AND i.reported_at < %(end)s AND {open_at_end}
    GROUP BY i.grid_code
), flows AS (
    SELECT * FROM unnest(%(flow_code)s::text[], %(flow_new)s::int[], %(flow_previous)s::int[])
        AS f (code, new, previous)
)
SELECT g.code, coalesce(s.open, 0), coalesce(s.overdue, 0), coalesce(s.major_open, 0),
       coalesce(s.dispute_open, 0), coalesce(s.escalated_open, 0),
       coalesce(f.new, 0), coalesce(f.previous, 0)
FROM ({grids}) AS g (code)
LEFT JOIN stocks s ON s.code = g.code
LEFT JOIN flows f ON f.code = g.code
