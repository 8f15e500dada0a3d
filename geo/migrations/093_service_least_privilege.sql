-- The map service logs in as minqing_app, as the pages do (migration 060; docs/api.md, "Who
-- may call"). An API client's token is checked by the database, which then acts for the client
-- in its area until the transaction ends: the app can neither read the clients' token hashes
-- nor enter an area on its own word.

REVOKE ALL ON api_clients FROM minqing_app;

-- Check a client's token (only its SHA-256 is stored) and act for the client until the
-- transaction ends: as `api:NAME`, role `api_reader` or `api_source` (no page role: nothing
-- granted to a page role is granted to a client), in the client's area, with no center (every
-- contact masked). Returns the client, or no row (and no context) for a token that is unknown,
-- rotated away, or of a disabled client.
CREATE FUNCTION minqing_enter_client(p_token text)
    RETURNS TABLE (name text, role text, area_level text, area_code text, sources text[],
                   rate_per_minute integer)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
BEGIN
    PERFORM set_config('minqing.context', '', true);
    IF p_token IS NULL OR length(p_token) NOT BETWEEN 1 AND 200 THEN
        RETURN;
    END IF;
    SELECT a.name, a.role, a.area_level, a.area_code, a.sources, a.rate_per_minute
    INTO c
    FROM public.api_clients a
    WHERE a.token_hash = encode(sha256(convert_to(p_token, 'UTF8')), 'hex') AND NOT a.disabled;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM minqing_private.set_context(
        'api:' || c.name, 'api_' || c.role, c.area_level,
        CASE WHEN c.area_level = 'city' THEN '' ELSE c.area_code END, NULL);
    RETURN QUERY SELECT c.name, c.role, c.area_level, c.area_code, c.sources, c.rate_per_minute;
END
$$;
REVOKE EXECUTE ON FUNCTION minqing_enter_client(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION minqing_enter_client(text) TO minqing_app;

-- Receipts of pushed reports: read and written only where the case is visible (migration 090's
-- policy), and written only in the name of the client acting.
CREATE POLICY api_intake_receipts_own ON api_intake_receipts AS RESTRICTIVE FOR INSERT
    TO minqing_app WITH CHECK ('api:' || client = (SELECT minqing_ctx_user()));
