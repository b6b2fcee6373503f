SELECT u.email, 'no subscription' AS problem
FROM users AS u
WHERE NOT EXISTS (SELECT FROM user_subscriptions AS s WHERE s.user_id = u.user_id)
