"""The fixed injection corpus of the attack tests (A6, R7): sqlmap is not available here, so these payloads are
sent on every string parameter instead, with the database-side oracle of ``test_attack_matrix`` (no 500, no
``syntax error`` in the PostgreSQL server log, a result equal to the baseline or to a harmless non-matching value).
"""

from __future__ import annotations

SQL = (
    "'",
    "''",
    '"',
    "\\",
    "' OR '1'='1",
    "' OR 1=1 --",
    "1' OR '1'='1' /*",
    "') OR ('a'='a",
    "x' UNION SELECT NULL, NULL, NULL --",
    "x' UNION ALL SELECT table_name FROM information_schema.tables --",
    "'; SELECT set_config('app.current_tenant_id', '00000000-0000-4000-8000-00000000000b', false); --",
    "'; SELECT pg_sleep(5); --",
    "1; DROP TABLE companies; --",
    "$$; SELECT 1; $$",
    "E'\\x27 OR 1=1'",
    "name DESC; SELECT 1",
    "id, (SELECT 1)",
    "1 AND (SELECT count(*) FROM pg_authid) > 0",
    "%' AND '%'='",
    "\uff07 OR \uff071\uff07=\uff071",  # fullwidth apostrophes
    "\u02bc OR 1=1 --",  # modifier letter apostrophe
    "\u2019; SELECT 1 --",
    "x\x00y",  # NUL: PostgreSQL text cannot hold it
    "%00' OR 1=1",
    "2026-09'; --",
    "2026-09-01'::date; --",
    "9" * 40,
    "-1",
    "NaN",
    "null",
)

TENANT_OVERRIDES = ("tenant_id", "tenant", "company_id", "x-tenant-id", "x-tenant", "app.current_tenant_id")

FORMULA_NAMES = ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

INTERNAL_FIELDS = ("token_hash", "cookie_hash", "csrf_hash", "secret", "password", "leased_until", "attempts",
                   "xmin", "ctid")  # fmt: skip
