-- grantd's schema. Times are Unix seconds (UTC). Secrets are never stored in clear: passwords
-- as Argon2id hashes, tokens and client secrets as SHA-256 digests, TOTP seeds sealed.

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    login               TEXT    NOT NULL,
    login_key           TEXT    NOT NULL UNIQUE,  -- lower(login): logins are case-insensitive
    email               TEXT,
    name                TEXT,
    password_hash       TEXT    NOT NULL,
    totp_sealed         BLOB,
    totp_last_step      INTEGER NOT NULL DEFAULT 0,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    failed_window_start INTEGER,
    locked_until        INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE apps (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id            TEXT    NOT NULL UNIQUE,
    client_secret_digest BLOB    NOT NULL,
    name                 TEXT    NOT NULL,
    url                  TEXT    NOT NULL,
    callback_url         TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

-- One grant per user and OAuth app (BEHAVIOR 46).
CREATE TABLE grants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id     INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, app_id)
);

CREATE TABLE authorizations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id           INTEGER REFERENCES apps (id) ON DELETE CASCADE,    -- NULL: personal access token
    grant_id         INTEGER REFERENCES grants (id) ON DELETE CASCADE,  -- NULL exactly when app_id is
    token_digest     BLOB    NOT NULL UNIQUE,                           -- SHA-256 of the token
    token_last_eight TEXT    NOT NULL,
    scopes           TEXT    NOT NULL,                                  -- normalised, comma-separated
    note             TEXT,
    note_url         TEXT,
    fingerprint      TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    expires_at       INTEGER
);

-- A personal access token's note is unique per user (BEHAVIOR 35).
CREATE UNIQUE INDEX authorizations_pat_note ON authorizations (user_id, note) WHERE app_id IS NULL;
-- A fingerprint is unique per user and app; without a fingerprint a user has one authorization
-- per app (the one get-or-create returns, BEHAVIOR 36, 39).
CREATE UNIQUE INDEX authorizations_app_fingerprint
    ON authorizations (user_id, app_id, COALESCE(fingerprint, '')) WHERE app_id IS NOT NULL;
CREATE UNIQUE INDEX authorizations_pat_fingerprint
    ON authorizations (user_id, fingerprint) WHERE app_id IS NULL AND fingerprint IS NOT NULL;
CREATE INDEX authorizations_grant ON authorizations (grant_id);
CREATE INDEX authorizations_app ON authorizations (app_id);
CREATE INDEX grants_app ON grants (app_id);
