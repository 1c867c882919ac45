-- Failed logins of logins no user has, counted and locked like a user's (the users table's
-- failed_logins, failed_window_start and locked_until), so that the lock-out does not tell
-- which logins exist. login_key is the login in lower case. Rows whose window and lock are over
-- are deleted now and then, so guesses at many logins do not grow the table without bound.
CREATE TABLE unknown_logins (
    login_key           TEXT PRIMARY KEY NOT NULL,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    failed_window_start INTEGER,
    locked_until        INTEGER
) WITHOUT ROWID;
