-- Grid colour status (红黄蓝): the rules of geo/rules/grid_status.toml applied to each grid's
-- measures, which come in as parallel arrays (one element per grid).
-- {rules_met}: the int[] of the indexes of the rules a grid meets (geo.grid_status.rules_sql).
-- %(red_rules)s, %(yellow_rules)s: the indexes of the red and of the yellow rules.
WITH m AS (
    SELECT u.*, u.new::float8 / greatest(u.previous, 1) AS rise
    FROM unnest(%(code)s::text[], %(open)s::int[], %(overdue)s::int[], %(major_open)s::int[],
                %(dispute_open)s::int[], %(escalated_open)s::int[], %(new)s::int[],
                %(previous)s::int[])
         AS u(code, open, overdue, major_open, dispute_open, escalated_open, new, previous)
), judged AS (
    SELECT m.code, {rules_met} AS rules_met FROM m
)
SELECT j.code, j.rules_met,
       CASE WHEN j.rules_met && %(red_rules)s::int[] THEN 'red'
            WHEN j.rules_met && %(yellow_rules)s::int[] THEN 'yellow'
            ELSE 'blue' END AS color
FROM judged j
