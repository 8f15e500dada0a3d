-- Intake: the stored cases in the catch-all category 'other' whose source labels a mapping now
-- names (recategorise_map: labels → category, subcategory) move there, and so do their linked
-- reports. The daily rollups follow through the incidents' update trigger (migration 058),
-- which keeps each case's repeat flag as it was decided when the case was reported, so the
-- repeat counts of the moved repeat reports are moved here from 'other' to their category
-- (each as -1/+1 pairs whose other counts cancel), with the insert trigger's rule: an earlier
-- report from the same grid and address within 30 days.
CREATE TEMP TABLE recategorise_repeats ON COMMIT DROP AS
WITH moving AS (
    SELECT i.id, i.grid_code, i.address
    FROM incidents i
    JOIN recategorise_map m USING (source_category, source_subcategory)
    WHERE i.category = 'other' AND i.address <> ''
), flagged AS (
    SELECT i.id, i.reported_at - lag(i.reported_at) OVER (
               PARTITION BY i.grid_code, i.address ORDER BY i.reported_at, i.id)
               <= interval '30 days' AS is_repeat
    FROM incidents i
    JOIN (SELECT DISTINCT grid_code, address FROM moving) a USING (grid_code, address)
)
SELECT f.id FROM flagged f JOIN moving USING (id) WHERE f.is_repeat;

UPDATE incidents i SET category = m.category, subcategory = m.subcategory
FROM recategorise_map m
WHERE i.category = 'other' AND i.source_category = m.source_category
  AND i.source_subcategory = m.source_subcategory;

UPDATE incident_links l SET category = m.category, subcategory = m.subcategory
FROM recategorise_map m
WHERE l.category = 'other' AND l.source_category = m.source_category
  AND l.source_subcategory = m.source_subcategory;

CREATE TEMP TABLE rollup_changes ON COMMIT DROP AS
SELECT c.sign, i.district_code, i.street_code, i.community_code,
       CASE WHEN c.moved THEN i.category ELSE 'other' END AS category, i.source, i.reported_at,
       i.resolved_at, i.deadline_at, i.result, i.is_major_risk, i.escalations, c.is_repeat
FROM incidents i
JOIN recategorise_repeats r ON r.id = i.id
CROSS JOIN (VALUES (-1, false, true), (1, false, false), (1, true, true), (-1, true, false))
    AS c (sign, moved, is_repeat);
SELECT rollup_apply()
