-- Map service: the ids of the incidents matching {conditions} (on `i`) among the newest
-- %(probe)s rows below the id %(before)s that the transaction may see, newest first, at most
-- %(limit)s. The newest rows are read backwards along the primary key, in the subquery (its
-- LIMIT keeps the conditions out of it), with the columns the conditions may read.
SELECT i.id
FROM (
    SELECT p.id, p.geom, p.source, p.category, p.is_major_risk, p.status, p.grid_code,
           p.community_code, p.street_code, p.district_code, p.reported_at
    FROM incidents p
    WHERE p.id < %(before)s
    ORDER BY p.id DESC
    LIMIT %(probe)s
) i
WHERE {conditions}
ORDER BY i.id DESC
LIMIT %(limit)s
