-- migrate:up
-- The executive summary of each month for the default options (margin target 30 %, minimum volume 1,000),
-- written by `tenantdb bi refresh` in the month's transaction, so `tenantdb report executive` reads one row
-- instead of ranking every customer. Portfolio-wide (no tenant_id): only analysts and administrators read it.
CREATE TABLE bi_month_summary (
    month                     date          PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
    version                   text          NOT NULL,
    margin_target             numeric       NOT NULL,
    min_volume                bigint        NOT NULL,
    totals                    jsonb         NOT NULL,
    health                    jsonb         NOT NULL,
    tenants                   jsonb         NOT NULL,
    alerts                    jsonb         NOT NULL,
    actions                   jsonb         NOT NULL,
    plans                     jsonb         NOT NULL,
    refreshed_at              timestamptz   NOT NULL DEFAULT now()
);
COMMENT ON TABLE bi_month_summary IS
    'The executive summary of a month for the default report options: key metrics, customers per health status '
    'and reason code, the first customers needing attention (and how many there are), alerts, ranked actions and '
    'plan profitability. Rebuilt with the month by tenantdb bi refresh; the report computes live when the options '
    'differ or the row is not current.';
COMMENT ON COLUMN bi_month_summary.version IS
    'The layout of the sections; a report whose code expects another version computes live.';
COMMENT ON COLUMN bi_month_summary.refreshed_at IS
    'now() of the refresh transaction: equal to bi_refresh_state.refreshed_at of the month when current.';
GRANT SELECT ON bi_month_summary TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_month_summary TO db_administrators;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_month_summary TO tenantdb_refresh;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE bi_month_summary OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE bi_month_summary;
