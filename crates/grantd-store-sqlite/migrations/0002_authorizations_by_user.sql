-- Lookups of one user's authorizations (lists, counts, and the purge of expired tokens before a
-- write) use this index instead of scanning the table.
CREATE INDEX authorizations_user_expiry ON authorizations (user_id, expires_at);
