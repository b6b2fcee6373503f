-- The company a user named by id, slug or name (case-insensitive); id and slug matches come first.
SELECT c.id, c.name, c.slug, CASE WHEN c.id::text = lower(%(tenant)s) OR c.slug = %(tenant)s THEN 0 ELSE 1 END AS priority
FROM companies c
WHERE c.id::text = lower(%(tenant)s) OR c.slug = %(tenant)s OR lower(c.name) = lower(%(tenant)s)
ORDER BY priority, c.name, c.slug
