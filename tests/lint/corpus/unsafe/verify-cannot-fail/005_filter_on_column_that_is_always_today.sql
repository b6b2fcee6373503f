-- A verify block checking rows of today on a column whose default is CURRENT_DATE.
-- Unsafe: every row the migration wrote carries today's date, so the filter selects all of them or none whatever
--   went wrong.
-- Source: issue 15, reference customer's classes: date = CURRENT_DATE on a column that is always today
-- expect: verify-cannot-fail
-- migrate:up
CREATE TABLE vps_daily_cost (
    vps_id bigint NOT NULL REFERENCES vps_instances (id),
    day date NOT NULL DEFAULT CURRENT_DATE,
    cost numeric(10, 2) NOT NULL,
    PRIMARY KEY (vps_id, day)
);
INSERT INTO vps_daily_cost (vps_id, cost) SELECT id, monthly_cost / 30 FROM vps_instances;
-- migrate:down
DROP TABLE vps_daily_cost;
-- migrate:verify
SELECT vps_id FROM vps_daily_cost WHERE day = CURRENT_DATE AND cost < 0;
