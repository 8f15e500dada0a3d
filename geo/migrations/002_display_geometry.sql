-- Outlines simplified once per level when boundaries are published (as a coverage, so shared
-- edges stay shared), so that the browser receives small geometries on every rerun.
ALTER TABLE areas ADD COLUMN geom_display geometry(MultiPolygon, 4490);

-- a view's `*` is expanded when it is created: recreate it to carry the new column
CREATE OR REPLACE VIEW current_areas AS
SELECT a.* FROM areas a JOIN boundary_versions v ON v.id = a.version_id AND v.is_current;
