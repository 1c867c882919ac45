-- Every token-authenticated request and every token check looks one authorization up by the
-- digest of its token. Through the unique index on token_digest that lookup reads two pages the
-- reader's cache rarely holds once there are many tokens (an index leaf, then the table's leaf
-- with the row), and each is a read from the operating system: with a million tokens a check
-- cost about a quarter more than with ten thousand. This index holds every column the lookup
-- selects, so it answers from the one leaf it finds (SQLite has no INCLUDE; the key is the
-- digest, the rest only rides along). It is the lookup's index by name (INDEXED BY), and a test
-- checks that the lookup still reads nothing else: a column added to the lookup must be added
-- here too. The cost: about 100 bytes more a token on disk, and one more index entry a write.
-- The unique index stays: it is what keeps two tokens from sharing a digest.
CREATE INDEX authorizations_by_token ON authorizations (
    token_digest, id, user_id, app_id, grant_id, token_last_eight, scopes, note, note_url,
    fingerprint, created_at, updated_at, expires_at
);
