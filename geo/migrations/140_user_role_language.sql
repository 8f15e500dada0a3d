-- Admin tools and the interface language (issue 13, docs/auth.md).
--
-- An admin changes a user's role (and the center an operator belongs to) through a function,
-- like adding or disabling a user: only an admin's session or the owner, audited as
-- 'user_role' with the role before and after. The last enabled admin keeps the role.
--
-- Every user keeps the interface language chosen (NULL: the default, Chinese), so the choice
-- follows the person to another browser or computer; the app sets and reads only the signed-in
-- user's own choice, through two functions (the users table stays closed to it).
ALTER TABLE users ADD COLUMN language text CHECK (language IN ('zh', 'en'));

CREATE FUNCTION minqing_set_user_role(
    p_username text, p_role text, p_center_code text, p_actor text, p_client text
) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    old record;
BEGIN
    PERFORM minqing_private.require_admin();
    IF p_role IS NULL OR p_role NOT IN ('operator', 'leader', 'gis_staff', 'admin') THEN
        RAISE EXCEPTION 'unknown role %', p_role USING ERRCODE = 'check_violation';
    END IF;
    IF p_role = 'operator' AND p_center_code IS NULL THEN
        RAISE EXCEPTION 'an operator belongs to one center' USING ERRCODE = 'check_violation';
    END IF;
    IF p_center_code IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM public.centers WHERE code = p_center_code) THEN
        RAISE EXCEPTION 'no center %', p_center_code USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT role, center_code, disabled INTO old FROM public.users
    WHERE username = p_username FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF old.role = 'admin' AND p_role <> 'admin' AND NOT old.disabled AND NOT EXISTS (
        SELECT 1 FROM public.users
        WHERE role = 'admin' AND NOT disabled AND username <> p_username) THEN
        RAISE EXCEPTION 'the last administrator keeps the role'
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE public.users SET role = p_role, center_code = p_center_code, updated_at = now()
    WHERE username = p_username;
    PERFORM minqing_private.audit(minqing_private.acting(p_actor), 'user_role', p_username,
        jsonb_build_object('from', old.role, 'to', p_role, 'center_from', old.center_code,
                           'center_code', p_center_code), p_client);
    RETURN true;
END
$$;

-- The signed-in user's own language (any role); nothing for nobody signed in.
CREATE FUNCTION minqing_set_my_language(p_language text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE public.users SET language = p_language
    WHERE username = public.minqing_ctx_user() AND language IS DISTINCT FROM p_language;
    RETURN FOUND;
END
$$;

CREATE FUNCTION minqing_my_language() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT language FROM public.users WHERE username = public.minqing_ctx_user()
    $$;

REVOKE EXECUTE ON FUNCTION minqing_set_user_role(text, text, text, text, text),
    minqing_set_my_language(text), minqing_my_language() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION minqing_set_user_role(text, text, text, text, text),
    minqing_set_my_language(text), minqing_my_language() TO minqing_app;
