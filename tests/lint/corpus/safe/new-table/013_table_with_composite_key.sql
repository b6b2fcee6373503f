-- Creates a link table with a composite primary key.
-- Safe: the pair is the key: no duplicates.
-- Source: PostgreSQL docs, Constraints (Primary Keys)
-- expect: none
CREATE TABLE plan_features (
    plan_id bigint NOT NULL REFERENCES plans (id),
    feature text NOT NULL,
    PRIMARY KEY (plan_id, feature)
);
