-- Incidents reported since %(since)s per district (the reporting-time index: a month is a
-- twelfth of the table).
SELECT district_code, count(*) AS recent
FROM incidents
WHERE reported_at >= %(since)s
GROUP BY district_code
