-- tenantdb: no-transaction
-- migrate:up
-- Billing secrets, encrypted or hashed by the application with tenantdb.secrets (docs/secrets.md); the keys never
-- reach the database. One convention, which `tenantdb keys rotate` and the audit trail's redaction rely on:
--   <name>_ciphertext bytea + <name>_key_id text   an encrypted value and the id of the key that wraps it
--   <name>_hmac bytea                              a keyed hash (HMAC-SHA256) of a value that is only compared
-- New nullable columns without defaults: no rewrite, the ACCESS EXCLUSIVE lock is brief.
ALTER TABLE payments
    ADD COLUMN payment_method_ciphertext bytea,
    ADD COLUMN payment_method_key_id     text,
    ADD COLUMN card_fingerprint_hmac     bytea;
COMMENT ON COLUMN payments.payment_method_ciphertext IS
    'The Stripe payment method token (pm_...), encrypted (tenantdb.secrets, AES-256-GCM envelope); NULL when none.';
COMMENT ON COLUMN payments.payment_method_key_id IS
    'The id of the key payment_method_ciphertext is encrypted under; set exactly when the ciphertext is.';
COMMENT ON COLUMN payments.card_fingerprint_hmac IS
    'HMAC-SHA256 (tenantdb.secrets.keyed_hash, 32 bytes) of the card''s fingerprint: finds payments made with the '
    'same card without storing the fingerprint.';
ALTER TABLE payments ADD CONSTRAINT payments_payment_method_sealed
    CHECK ((payment_method_ciphertext IS NULL) = (payment_method_key_id IS NULL)) NOT VALID;
ALTER TABLE payments ADD CONSTRAINT payments_card_fingerprint_hmac_length
    CHECK (octet_length(card_fingerprint_hmac) = 32) NOT VALID;

ALTER TABLE subscriptions
    ADD COLUMN stripe_customer_ciphertext bytea,
    ADD COLUMN stripe_customer_key_id     text;
COMMENT ON COLUMN subscriptions.stripe_customer_ciphertext IS
    'Stripe''s customer id (cus_...), encrypted (tenantdb.secrets); replaces stripe_customer_id, which the '
    'application stops writing once it writes this column (docs/secrets.md, "Moving a plaintext column").';
COMMENT ON COLUMN subscriptions.stripe_customer_key_id IS
    'The id of the key stripe_customer_ciphertext is encrypted under; set exactly when the ciphertext is.';
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_stripe_customer_sealed
    CHECK ((stripe_customer_ciphertext IS NULL) = (stripe_customer_key_id IS NULL)) NOT VALID;
-- Validated in transactions of their own (no-transaction file), under SHARE UPDATE EXCLUSIVE: writes go on.
ALTER TABLE payments VALIDATE CONSTRAINT payments_payment_method_sealed;
ALTER TABLE payments VALIDATE CONSTRAINT payments_card_fingerprint_hmac_length;
ALTER TABLE subscriptions VALIDATE CONSTRAINT subscriptions_stripe_customer_sealed;

-- migrate:down
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_stripe_customer_sealed;
ALTER TABLE subscriptions DROP COLUMN stripe_customer_key_id, DROP COLUMN stripe_customer_ciphertext;
ALTER TABLE payments DROP CONSTRAINT payments_card_fingerprint_hmac_length;
ALTER TABLE payments DROP CONSTRAINT payments_payment_method_sealed;
ALTER TABLE payments
    DROP COLUMN card_fingerprint_hmac, DROP COLUMN payment_method_key_id, DROP COLUMN payment_method_ciphertext;

-- migrate:verify
SELECT 'payment ' || payment_id || ' has a payment method ciphertext without its key id, or a key id without one'
FROM payments
WHERE (payment_method_ciphertext IS NULL) <> (payment_method_key_id IS NULL);
SELECT 'subscription ' || subscription_id || ' has a Stripe customer ciphertext without its key id, or the reverse'
FROM subscriptions
WHERE (stripe_customer_ciphertext IS NULL) <> (stripe_customer_key_id IS NULL);
