-- A user's authorizations in id order: a page of the list (ORDER BY id LIMIT n) reads its n rows
-- from this index instead of sorting every one of the user's authorizations first (a user with a
-- million tokens waited hundreds of milliseconds for each page).
CREATE INDEX authorizations_user_order ON authorizations (user_id, id);
