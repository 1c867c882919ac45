-- How each authorization was made: 'api' by the Authorizations API (and the admin CLI), 'web' by
-- exchanging a code of the web application flow. The API keeps one authorization per user, app
-- and fingerprint (the one its get-or-create returns, BEHAVIOR 36, 39); the web flow mints a new
-- token at each approval, so that several devices signed in to one app keep working (FLOWS 17,
-- 24). The unique rule now holds for the API's authorizations and for any with a fingerprint;
-- get-or-create's look-up and PostgreSQL's ON CONFLICT clause use the same predicate.
ALTER TABLE authorizations ADD COLUMN flow TEXT NOT NULL DEFAULT 'api' CHECK (flow IN ('api', 'web'));

DROP INDEX authorizations_app_fingerprint;
CREATE UNIQUE INDEX authorizations_app_fingerprint
    ON authorizations (user_id, app_id, COALESCE(fingerprint, ''))
    WHERE app_id IS NOT NULL AND (flow = 'api' OR fingerprint IS NOT NULL);

-- The token lookup selects every authorization column (migration 0005), flow included now.
DROP INDEX authorizations_by_token;
CREATE INDEX authorizations_by_token ON authorizations (
    token_digest, id, user_id, app_id, grant_id, token_last_eight, scopes, note, note_url,
    fingerprint, created_at, updated_at, expires_at, flow
);
