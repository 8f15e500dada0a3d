-- Incidents' and warnings' scope policies state their test once: without WITH CHECK,
-- PostgreSQL holds written rows to USING, which is the same test (060 wrote it twice).
DROP POLICY incidents_scope ON incidents;
CREATE POLICY incidents_scope ON incidents TO minqing_app
    USING (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               WHEN 'district' THEN district_code = (SELECT minqing_scope_code())
               WHEN 'street' THEN street_code = (SELECT minqing_scope_code())
               WHEN 'community' THEN community_code = (SELECT minqing_scope_code())
               WHEN 'grid' THEN grid_code = (SELECT minqing_scope_code())
               ELSE false END);

DROP POLICY warnings_scope ON warnings;
CREATE POLICY warnings_scope ON warnings TO minqing_app
    USING (CASE (SELECT minqing_scope_level())
               WHEN 'city' THEN true
               WHEN 'district' THEN district_code = (SELECT minqing_scope_code())
               WHEN 'street' THEN street_code = (SELECT minqing_scope_code())
               WHEN 'community' THEN community_code = (SELECT minqing_scope_code())
               WHEN 'grid' THEN grid_code = (SELECT minqing_scope_code())
               ELSE false END);
