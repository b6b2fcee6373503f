DELETE FROM ${table} WHERE name = 'Acme Mail — Zürich';
ALTER TABLE ${table} DROP COLUMN plan;
