-- Defines a maintenance function whose body resets a counter table without WHERE.
-- Safe: the function body does not run in the migration; it is called deliberately later.
-- Source: PostgreSQL docs, CREATE FUNCTION
-- expect: none
CREATE TABLE send_counters (
    ip_id bigint PRIMARY KEY REFERENCES smtp_ip_addresses (id),
    sent_today bigint NOT NULL DEFAULT 0
);
CREATE FUNCTION reset_send_counters() RETURNS void
    LANGUAGE sql AS $$
    UPDATE send_counters SET sent_today = 0;
$$;
