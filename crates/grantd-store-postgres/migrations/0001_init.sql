-- grantd's schema, PostgreSQL edition of the SQLite migration of the same name: same tables,
-- columns, unique rules and index names. Times are Unix seconds (UTC). Secrets are never stored
-- in clear: passwords as Argon2id hashes, tokens and client secrets as SHA-256 digests, TOTP
-- seeds sealed.
--
-- The column UNIQUE constraints get PostgreSQL's default names (users_login_key_key,
-- apps_client_id_key, authorizations_token_digest_key, grants_user_id_app_id_key): the store maps
-- unique violations to conflicts by constraint name, so renaming one means changing the store.

CREATE TABLE users (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login               TEXT   NOT NULL,
    login_key           TEXT   NOT NULL UNIQUE,  -- ASCII-lowercased login: logins are case-insensitive
    email               TEXT,
    name                TEXT,
    password_hash       TEXT   NOT NULL,
    totp_sealed         BYTEA,
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    failed_window_start BIGINT,
    locked_until        BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE apps (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id            TEXT   NOT NULL UNIQUE,
    client_secret_digest BYTEA  NOT NULL,
    name                 TEXT   NOT NULL,
    url                  TEXT   NOT NULL,
    callback_url         TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

-- One grant per user and OAuth app (BEHAVIOR 46).
CREATE TABLE grants (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id     BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, app_id)
);

CREATE TABLE authorizations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id           BIGINT REFERENCES apps (id) ON DELETE CASCADE,    -- NULL: personal access token
    grant_id         BIGINT REFERENCES grants (id) ON DELETE CASCADE,  -- NULL exactly when app_id is
    token_digest     BYTEA  NOT NULL UNIQUE,                           -- SHA-256 of the token
    token_last_eight TEXT   NOT NULL,
    scopes           TEXT   NOT NULL,                                  -- normalised, comma-separated
    note             TEXT,
    note_url         TEXT,
    fingerprint      TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    expires_at       BIGINT
);

-- A personal access token's note is unique per user (BEHAVIOR 35).
CREATE UNIQUE INDEX authorizations_pat_note ON authorizations (user_id, note) WHERE app_id IS NULL;
-- A fingerprint is unique per user and app; without a fingerprint a user has one authorization
-- per app (the one get-or-create returns, BEHAVIOR 36, 39). get-or-create names this index's
-- columns and predicate in its ON CONFLICT clause: keep them in step.
CREATE UNIQUE INDEX authorizations_app_fingerprint
    ON authorizations (user_id, app_id, (COALESCE(fingerprint, ''))) WHERE app_id IS NOT NULL;
CREATE UNIQUE INDEX authorizations_pat_fingerprint
    ON authorizations (user_id, fingerprint) WHERE app_id IS NULL AND fingerprint IS NOT NULL;
CREATE INDEX authorizations_grant ON authorizations (grant_id);
CREATE INDEX authorizations_app ON authorizations (app_id);
CREATE INDEX grants_app ON grants (app_id);
-- Not in the SQLite schema: PostgreSQL cannot use the partial indexes above for the queries that
-- filter on the user alone (listing, purging expired tokens, deleting a user's rows), so without
-- this one they would scan every authorization.
CREATE INDEX authorizations_user ON authorizations (user_id);
