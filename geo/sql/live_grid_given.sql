-- Grid status measures given as parallel arrays (one element per grid).
SELECT * FROM unnest(%(code)s::text[], %(open)s::int[], %(overdue)s::int[],
                     %(major_open)s::int[], %(dispute_open)s::int[],
                     %(escalated_open)s::int[], %(new)s::int[], %(previous)s::int[])
