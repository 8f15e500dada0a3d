-- Open cases now per district, and those past their deadline at %(now)s (the open cases'
-- partial index, which holds every column the row-level policy reads: no table access).
SELECT district_code,
       count(*) AS open,
       count(*) FILTER (WHERE deadline_at < %(now)s) AS overdue
FROM incidents
WHERE status IN ('reported', 'assigned', 'in_progress')
GROUP BY district_code
