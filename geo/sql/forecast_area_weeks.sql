-- 预判 (issue 17): an area's forecasts for the weeks [start, end): every week's one-week-ahead
-- forecast (the latest run that made one: a weekly run before a backtest), and the latest
-- forecast run's weeks ahead. Row-level security keeps them to the caller's scope.
WITH latest AS (
    SELECT id, origin FROM forecast_runs WHERE kind = 'forecast'
    ORDER BY made_at DESC, id DESC LIMIT 1
), past AS (
    SELECT DISTINCT ON (f.week_start) f.week_start, f.horizon, f.mean, f.low, f.median, f.high,
           false AS ahead
    FROM forecasts f JOIN forecast_runs r ON r.id = f.run_id
    WHERE f.level = %(level)s AND f.area_code = %(code)s AND f.category = %(category)s
      AND f.horizon = 1 AND f.week_start >= %(start)s AND f.week_start < %(end)s
      AND f.run_id <> coalesce((SELECT id FROM latest), -1)
    ORDER BY f.week_start, r.kind = 'forecast' DESC, r.made_at DESC
)
SELECT week_start, horizon, mean, low, median, high, ahead FROM past
UNION ALL
SELECT f.week_start, f.horizon, f.mean, f.low, f.median, f.high, true
FROM forecasts f JOIN latest l ON l.id = f.run_id
WHERE f.level = %(level)s AND f.area_code = %(code)s AND f.category = %(category)s
ORDER BY 1
