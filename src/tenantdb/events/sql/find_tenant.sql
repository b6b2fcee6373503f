-- A tenant by its slug or its id.
SELECT id FROM companies WHERE slug = %(name)s OR id::text = lower(%(name)s) ORDER BY slug = %(name)s DESC LIMIT 1
