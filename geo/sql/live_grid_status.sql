-- Grid colour status (红黄蓝): the rules of geo/rules/grid_status.toml applied to each grid's
-- measures, in PostgreSQL. The measures come from a query (live_grid_given.sql or
-- live_grid_measures.sql) giving code, open, overdue, major_open, dispute_open,
-- escalated_open, new and previous per grid; rules_met is the int[] of the indexes of the
-- rules a grid meets (built by geo.live.grid_status.rules_sql).
-- %(red_rules)s, %(yellow_rules)s: the indexes of the red and of the yellow rules.
-- %(every)s: return blue grids too (else only red and yellow ones).
WITH m AS (
    SELECT u.*, u.new::float8 / greatest(u.previous, 1) AS rise
    FROM ({measures}) AS u (code, open, overdue, major_open, dispute_open, escalated_open,
                           new, previous)
), judged AS (
    SELECT m.code, m.open, m.overdue, m.major_open, m.dispute_open, m.escalated_open,
           m.new, m.previous, {rules_met} AS rules_met
    FROM m
), colored AS (
    SELECT j.*,
           CASE WHEN j.rules_met && %(red_rules)s::int[] THEN 'red'
                WHEN j.rules_met && %(yellow_rules)s::int[] THEN 'yellow'
                ELSE 'blue' END AS color
    FROM judged j
)
SELECT c.* FROM colored c WHERE %(every)s OR c.color <> 'blue'
