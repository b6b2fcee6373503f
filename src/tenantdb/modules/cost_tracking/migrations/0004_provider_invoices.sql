-- migrate:up
CREATE TABLE provider_invoices (
    invoice_id     uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    provider       text          NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
    month          date          NOT NULL CHECK (month = date_trunc('month', month)::date),
    invoice_number text          NOT NULL CHECK (length(invoice_number) BETWEEN 1 AND 100),
    total          numeric(12,2) NOT NULL,
    currency       text          NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    issued_on      date,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (provider, invoice_number)
);
COMMENT ON TABLE provider_invoices IS
    'What a hosting provider billed the platform for a month, reconciled against the modeled cost of the '
    'provider''s resources (tenantdb bi refresh, table bi_reconciliation). Platform-level: db_administrators and '
    'business_analysts only.';
COMMENT ON COLUMN provider_invoices.month IS 'First day of the month the invoice is for.';
COMMENT ON COLUMN provider_invoices.total IS 'The invoice total; equals the sum of its lines (verify block).';
CREATE INDEX provider_invoices_month_idx ON provider_invoices (month, provider);
CREATE TRIGGER provider_invoices_touch_updated_at BEFORE UPDATE ON provider_invoices
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();
GRANT SELECT ON provider_invoices TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON provider_invoices TO db_administrators;

CREATE TABLE provider_invoice_lines (
    invoice_id   uuid          NOT NULL REFERENCES provider_invoices (invoice_id) ON DELETE CASCADE,
    line_no      integer       NOT NULL CHECK (line_no > 0),
    resource_ref text          NOT NULL CHECK (length(resource_ref) BETWEEN 1 AND 253),
    description  text,
    quantity     numeric(10,4) NOT NULL CHECK (quantity >= 0),
    unit_price   numeric(10,2) NOT NULL CHECK (unit_price >= 0),
    amount       numeric(12,2) NOT NULL,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    updated_at   timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (invoice_id, line_no)
);
COMMENT ON TABLE provider_invoice_lines IS
    'The lines of a provider invoice: one resource (a server''s hostname or an IP address as text) for a '
    'quantity of months at a unit price.';
COMMENT ON COLUMN provider_invoice_lines.resource_ref IS
    'A server''s hostname or an IP address (host(ip)) of the invoice''s provider; a line matching no resource is '
    'unmatched in the reconciliation.';
COMMENT ON COLUMN provider_invoice_lines.quantity IS 'Months billed (1 for a whole month, 0.5 for half of one).';
COMMENT ON COLUMN provider_invoice_lines.amount IS 'What the line bills: quantity x unit_price, rounded to cents.';
CREATE INDEX provider_invoice_lines_resource_idx ON provider_invoice_lines (resource_ref);
CREATE TRIGGER provider_invoice_lines_touch_updated_at BEFORE UPDATE ON provider_invoice_lines
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();
GRANT SELECT ON provider_invoice_lines TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON provider_invoice_lines TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE provider_invoices OWNER TO tenantdb_owner;
ALTER TABLE provider_invoice_lines OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE provider_invoice_lines;
DROP TABLE provider_invoices;

-- migrate:verify
SELECT 'invoice ' || i.invoice_number || ' of ' || i.provider || ' totals ' || i.total || ' but its lines add up to '
       || coalesce(sum(l.amount), 0) AS problem
FROM provider_invoices i
LEFT JOIN provider_invoice_lines l ON l.invoice_id = i.invoice_id
GROUP BY i.invoice_id, i.invoice_number, i.provider, i.total
HAVING i.total <> coalesce(sum(l.amount), 0);
