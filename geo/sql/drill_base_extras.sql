-- The two counts the safety index adds to the key figures, per {group_column}, counted from the
-- incidents reported in [%(start)s, %(end)s) that match {conditions}: new cases in
-- %(categories)s, and repeat reports (an earlier report from the same address of the same grid
-- in the 30 days before; the same rule as the rollups of migration 003).
SELECT {group_column} AS group_code,
       count(*) FILTER (WHERE i.category = ANY(%(categories)s)) AS new_in_categories,
       count(*) FILTER (WHERE i.address <> '' AND EXISTS (
           SELECT 1 FROM incidents j
           WHERE j.grid_code = i.grid_code AND j.address = i.address
             AND j.reported_at >= i.reported_at - interval '30 days'
             AND (j.reported_at < i.reported_at
                  OR (j.reported_at = i.reported_at AND j.id < i.id)))) AS repeats
FROM incidents i
WHERE {conditions} AND i.reported_at >= %(start)s AND i.reported_at < %(end)s
GROUP BY 1
