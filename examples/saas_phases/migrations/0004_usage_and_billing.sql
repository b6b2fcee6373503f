-- migrate:up
CREATE TABLE usage_metrics (
    user_id      uuid    NOT NULL REFERENCES users ON DELETE CASCADE,
    metric       text    NOT NULL,
    period_start date    NOT NULL,
    quantity     numeric NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (user_id, metric, period_start)
);
CREATE TABLE billing_transactions (
    transaction_id uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid          NOT NULL REFERENCES users ON DELETE CASCADE,
    amount         numeric(12,2) NOT NULL,
    kind           text          NOT NULL CHECK (kind IN ('charge', 'refund', 'credit')),
    occurred_at    timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX billing_transactions_user_idx ON billing_transactions (user_id, occurred_at);

-- migrate:down
DROP TABLE billing_transactions;
DROP TABLE usage_metrics;

-- migrate:verify
SELECT transaction_id || ' is a refund with a positive amount' FROM billing_transactions
WHERE kind = 'refund' AND amount > 0;
