-- Upsert the warnings one rule found (the candidates: one row per place, with the columns
-- below) and record a 'raised' event for each new one. A key with an active warning is
-- updated (figures, window, position, last_seen_at); a key closed within reopen_after hours
-- is left alone. Returns: found, raised, updated.
WITH found AS (
    SELECT DISTINCT ON (c.dedup_key) c.*
    FROM ({candidates}) c
    ORDER BY c.dedup_key, (c.figures ->> 'observed')::numeric DESC
),
fresh AS (
    SELECT f.*
    FROM found f
    WHERE NOT EXISTS (
        SELECT 1 FROM warnings w
        WHERE w.dedup_key = f.dedup_key AND w.status = 'closed'
          AND w.closed_at > %(now)s - %(reopen_after_hours)s * interval '1 hour')
),
up AS (
    INSERT INTO warnings AS w (
        kind, dedup_key, district_code, street_code, community_code, grid_code, geom, category,
        address, reason, figures, window_start, window_end, detected_at, last_seen_at)
    SELECT kind, dedup_key, district_code, street_code, community_code, grid_code, geom,
           category, address, kind, figures, window_start, window_end, %(now)s, %(now)s
    FROM fresh
    ON CONFLICT (dedup_key) WHERE status <> 'closed' DO UPDATE SET
        figures = EXCLUDED.figures,
        geom = EXCLUDED.geom,
        window_start = EXCLUDED.window_start,
        window_end = EXCLUDED.window_end,
        last_seen_at = greatest(w.last_seen_at, EXCLUDED.last_seen_at)
    RETURNING w.id, (w.xmax = 0) AS inserted
),
raised AS (
    INSERT INTO warning_events (warning_id, at, action, from_status, to_status, actor)
    SELECT id, %(now)s, 'raised', NULL, 'new', %(actor)s FROM up WHERE inserted
)
SELECT (SELECT count(*) FROM found),
       count(*) FILTER (WHERE inserted),
       count(*) FILTER (WHERE NOT inserted)
FROM up
