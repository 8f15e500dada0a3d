-- The small grids' own spatial index. minqing_grid_at (migration 160: each point of an intake
-- of a few rows or a pushed batch finds its grid) read the areas' index of every level and
-- version, about nine candidates a point (the city, its district, street and community, older
-- versions) before keeping the current grid: 500 points 37 → 13 ms as the app's role on the
-- 2.4 M benchmark database (docs/benchmarks.md, issue 16). The same rows and answers.
CREATE INDEX areas_grid_geom_idx ON areas USING gist (geom) WHERE level = 'grid';
