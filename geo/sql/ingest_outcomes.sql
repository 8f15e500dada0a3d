-- Intake: what became of each row that was not taken.
SELECT line, outcome FROM ingest_final
WHERE outcome NOT IN ('new', 'linked', 'duplicate')
ORDER BY line
