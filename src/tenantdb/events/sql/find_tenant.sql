-- A tenant by its id, its slug or its name (case-insensitive), as every --tenant option takes it: id and slug
-- matches first, and every company of that name otherwise (several are ambiguous; the caller names their slugs).
SELECT c.id, c.slug, c.id::text = lower(%(name)s) OR c.slug = %(name)s AS exact
FROM companies c
WHERE c.id::text = lower(%(name)s) OR c.slug = %(name)s OR lower(c.name) = lower(%(name)s)
ORDER BY exact DESC, c.slug
LIMIT 11
