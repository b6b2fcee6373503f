ALTER TABLE ${table} ADD COLUMN plan text NOT NULL DEFAULT '${default_plan}';
INSERT INTO ${table} (name, plan) VALUES ('Acme Mail — Zürich', 'pro');
