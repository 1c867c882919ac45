-- The SQLite migration of this name adds a covering index for the lookup of a token by its
-- digest, because SQLite's unique index on token_digest leads to a second page read (the table's
-- leaf) per lookup. PostgreSQL needs nothing here: the lookup (one statement joining the
-- authorization, its app and its owner) finds the row through the unique index
-- authorizations_token_digest_key and reads it from the heap, and an INCLUDE index with every
-- column would double the write cost of each token for a heap page read that the joins read
-- anyway. The file keeps the two stores' migrations under the same names.
SELECT 1;
