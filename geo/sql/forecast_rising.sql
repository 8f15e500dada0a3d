-- 预判 (issue 17): the grids of the latest forecast expected to rise most in its first week:
-- forecast above the mean of their last four weeks by at least %(min_rise)s reports.
SELECT f.area_code, f.mean, f.low, f.high, f.recent, f.history, f.week_start
FROM forecasts f
WHERE f.run_id = (SELECT id FROM forecast_runs WHERE kind = 'forecast'
                  ORDER BY made_at DESC, id DESC LIMIT 1)
  AND f.level = 'grid' AND f.category = '*' AND f.horizon = 1
  AND f.mean - f.recent >= %(min_rise)s AND {conditions}
ORDER BY f.mean - f.recent DESC, f.area_code
LIMIT %(limit)s
