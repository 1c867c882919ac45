-- An app has one or more callback URLs (FLOWS 15), and a user's e-mail address is verified or
-- not (FLOWS 39, GET /user/emails).
--
-- Decision: the callback URLs are one column, one URL a line in the app's order, rather than a
-- table of their own. They are only ever read and written whole, together with the app: every
-- read of an app (the token check, the authorize endpoint, the SQLite store's app cache, a copy)
-- stays one row of one table, an update replaces the list in one statement, and order needs no
-- position column. Nothing looks an app up by one of its callbacks, which is what a table would
-- be for. A URL as the URL standard serialises it never holds a line break. The column is
-- renamed rather than added, so every existing app keeps its callback URL as its first (and
-- only) one; NULL still means "none".
ALTER TABLE apps RENAME COLUMN callback_url TO callback_urls;

-- 0 or 1. Addresses set before this migration were never verified by anyone: 0.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
