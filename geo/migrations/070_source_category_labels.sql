-- Issue 14, item 8: a resident's report is never dropped for its category label. A label that
-- no mapping names goes to the catch-all category 'other' (其他); the source's own labels are
-- kept on the case (and on a linked report), so that `minqing incidents recategorise` can move
-- it once a mapping for the label exists. Empty for the demo's cases and older imports.
ALTER TABLE incidents
    ADD COLUMN source_category text NOT NULL DEFAULT '',
    ADD COLUMN source_subcategory text NOT NULL DEFAULT '';
ALTER TABLE incident_links
    ADD COLUMN source_category text NOT NULL DEFAULT '',
    ADD COLUMN source_subcategory text NOT NULL DEFAULT '';
SELECT minqing_grant_app_columns();
