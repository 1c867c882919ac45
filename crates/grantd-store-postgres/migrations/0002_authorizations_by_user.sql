-- The purge of a user's expired tokens before a write reads only that user's expiring rows
-- (the SQLite store's migration of the same name adds its per-user index here).
CREATE INDEX authorizations_user_expiry ON authorizations (user_id, expires_at) WHERE expires_at IS NOT NULL;
