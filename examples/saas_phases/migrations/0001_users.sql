-- The application that already exists: users who signed up before plans existed.
-- migrate:up
CREATE TABLE users (
    user_id    uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email      text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO users (email)
SELECT 'user' || n || '@example.com' FROM generate_series(1, 2000) AS n;

-- migrate:down
DROP TABLE users;

-- migrate:verify
SELECT 'users is empty' WHERE NOT EXISTS (SELECT FROM users);
