-- Intake: the source labels of the cases and linked reports in the catch-all category 'other',
-- with how many of each.
SELECT source_category, source_subcategory, sum(incidents)::int, sum(links)::int
FROM (
    SELECT source_category, source_subcategory, 1 AS incidents, 0 AS links
    FROM incidents WHERE category = 'other'
    UNION ALL
    SELECT source_category, source_subcategory, 0, 1
    FROM incident_links WHERE category = 'other'
) labels
GROUP BY source_category, source_subcategory
ORDER BY sum(incidents) + sum(links) DESC, source_category, source_subcategory
