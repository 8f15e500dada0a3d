-- Open cases by position: intake links a report to an open case of another source nearby.
-- Only the open cases (tens of thousands, not millions) are indexed, so a lookup reads none
-- of the closed history at that place and the index costs little to keep.
CREATE INDEX IF NOT EXISTS incidents_open_geom_idx ON incidents USING gist (geom)
    WHERE status IN ('reported', 'assigned', 'in_progress');
