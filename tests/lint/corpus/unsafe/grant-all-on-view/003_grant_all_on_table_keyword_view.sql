-- GRANT ALL ON TABLE active_users (a view) TO business_analysts.
-- Unsafe: TABLE is the default object kind and also covers views: ALL includes writes through the view.
-- Source: PostgreSQL docs, GRANT
-- expect: ban-grant-all-on-view
GRANT ALL ON TABLE active_users TO business_analysts;
