-- Browser sessions and the web application flow's authorization codes (FLOWS B). Both are known
-- only by the SHA-256 digest of their random value, which only the browser (the session cookie)
-- or the app (the code) holds. A session is pending (signed_in = 0) between a right password and
-- its two-factor code. Both go with their user (and a code with its app); expired rows are
-- deleted now and then by the server.
CREATE TABLE sessions (
    digest       BLOB    PRIMARY KEY NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    signed_in    INTEGER NOT NULL CHECK (signed_in IN (0, 1)),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE oauth_codes (
    digest         BLOB    PRIMARY KEY NOT NULL,
    app_id         INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri   TEXT    NOT NULL,
    scopes         TEXT    NOT NULL,  -- normalised, comma-separated, as authorizations'
    code_challenge TEXT,              -- PKCE S256, if the authorize request had one
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
) WITHOUT ROWID;
