-- Map service: act for the API client holding %(token)s until the transaction ends (the
-- database checks the token: migration 093) with the transaction's clock in CST and JIT off,
-- in one statement. No row (and no context) for a token unknown, rotated away or disabled.
SELECT c.name, c.role, c.area_level, c.area_code, c.sources, c.rate_per_minute,
       set_config('TimeZone', 'Asia/Shanghai', true), set_config('jit', 'off', true)
FROM minqing_enter_client(%(token)s) c
