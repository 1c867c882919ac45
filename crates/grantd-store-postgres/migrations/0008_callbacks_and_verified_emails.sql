-- PostgreSQL edition of the SQLite migration of the same name.
--
-- An app has one or more callback URLs (FLOWS 15), and a user's e-mail address is verified or
-- not (FLOWS 39, GET /user/emails).
--
-- Decision: the callback URLs are one column, one URL a line in the app's order, rather than a
-- table of their own. They are only ever read and written whole, together with the app: every
-- read of an app (the token check, the authorize endpoint, a copy) stays one row of one table,
-- an update replaces the list in one statement, and order needs no position column. Nothing
-- looks an app up by one of its callbacks, which is what a table would be for. A URL as the URL
-- standard serialises it never holds a line break. The column is renamed rather than added, so
-- every existing app keeps its callback URL as its first (and only) one; NULL still means "none".
ALTER TABLE apps RENAME COLUMN callback_url TO callback_urls;

-- Addresses set before this migration were never verified by anyone: false.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
