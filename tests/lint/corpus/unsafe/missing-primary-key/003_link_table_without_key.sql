-- Creates a many-to-many link table without a primary key.
-- Unsafe: the same pair can be inserted twice and every join doubles.
-- Source: PostgreSQL docs, Constraints
-- expect: require-primary-key
CREATE TABLE plan_features (
    plan_id bigint NOT NULL REFERENCES plans (id),
    feature text NOT NULL
);
