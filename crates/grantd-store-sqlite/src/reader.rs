//! The hot reads, run on the calling thread.
//!
//! sqlx drives each SQLite connection from a worker thread of its own: every statement is a
//! message to that thread and an answer back, two thread hand-offs. On a busy server those
//! hand-offs, not SQLite, are most of the cost of a point lookup (profiled: about half of the
//! CPU time of a token check went to context switches). The lookups every token-authenticated
//! request makes (an app by client id, an authorization by token digest) therefore run through
//! [`Readers`]: a few rusqlite connections to the same file, used directly on the thread that
//! asks, with cached prepared statements.
//!
//! Decision: such a lookup blocks the async runtime's thread for as long as it takes. A lookup by
//! a unique index on a warm page cache takes a few microseconds, less than the hand-offs it
//! replaces; a cold page read from disk takes longer, which is the price of not paying the
//! hand-offs on every request. Anything that could wait — another connection's lock (the
//! connections have no busy timeout), all reader connections in use, any error at all — makes
//! [`Readers::read`] answer `None`, and the store then runs the same query through sqlx, off the
//! runtime's threads, whose answer (or error) is the one that counts.
//!
//! Consistency: each statement runs in its own read transaction in WAL mode, so it sees every
//! transaction committed before it began, from this process or another — exactly what the
//! pooled sqlx connections see.
//!
//! Apps, which every app-authenticated request looks up and which rarely change, are also kept in
//! a small [`Cached`] map per reader connection. An entry is used only while SQLite's
//! `PRAGMA data_version` on that connection is unchanged, which it is until any other connection,
//! in this process or another (`grantd app …` beside a running server), commits a change to the
//! database: a rotated secret or a deleted app is refused at once, as without the cache. The
//! pragma costs a fraction of the lookup and conversion it saves.
//!
//! A token check goes one step further: it reads the app (through the cache) and the token in
//! one read transaction (`crate::inline::app_token_check`). Every SQLite read transaction takes
//! and drops a lock on the WAL's shared memory (two `fcntl` system calls): one transaction a
//! check instead of two.

use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Reader connections; see the module documentation.
pub(crate) struct Readers {
    connections: Vec<Mutex<Reader>>,
    next: AtomicUsize,
}

/// One reader connection, with what is cached on it.
pub(crate) struct Reader {
    pub(crate) conn: Connection,
    /// Apps by client id.
    pub(crate) apps: Cached<grantd_core::model::App>,
}

impl std::ops::Deref for Reader {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

/// Rows by key, as of one data version of the database: valid until another connection commits.
pub(crate) struct Cached<T> {
    version: Option<i64>,
    entries: HashMap<String, Option<T>>,
}

impl<T: Clone> Cached<T> {
    /// Most entries kept; past it the map starts over (apps are few, and a flood of unknown
    /// client ids must not grow it without bound).
    const CAPACITY: usize = 1024;

    fn new() -> Self {
        Self {
            version: None,
            entries: HashMap::new(),
        }
    }

    /// The row for `key` (`None`: there is none), from the cache when nothing was committed
    /// since it was read, or else from `load`.
    pub(crate) fn get(
        &mut self,
        conn: &Connection,
        key: &str,
        load: impl FnOnce(&Connection) -> rusqlite::Result<Option<T>>,
    ) -> rusqlite::Result<Option<T>> {
        let version = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |row| row.get::<_, i64>(0))?;
        if self.version != Some(version) {
            self.entries.clear();
            self.version = Some(version);
        }
        if let Some(hit) = self.entries.get(key) {
            return Ok(hit.clone());
        }
        // Read after the version: a commit in between makes the next version differ, so what is
        // kept is never older than the version it is kept under.
        let loaded = load(conn)?;
        if self.entries.len() >= Self::CAPACITY {
            self.entries.clear();
        }
        self.entries.insert(key.to_owned(), loaded.clone());
        Ok(loaded)
    }
}

/// Whether `conn` is outside any transaction, after rolling back one that a failed read left
/// open: such a transaction would pin the connection to an old snapshot of the database.
fn settled(conn: &Connection) -> bool {
    if conn.is_autocommit() {
        return true;
    }
    match conn.execute_batch("ROLLBACK") {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "a reader connection could not end its transaction");
            false
        }
    }
}

/// A read transaction on a reader connection: statements run between [`ReadTx::begin`] and
/// [`ReadTx::end`] see one snapshot of the database. `BEGIN` and `COMMIT` are cached statements
/// (rusqlite's `Transaction` prepares both anew each time, which cost more than the lock it
/// saves); a transaction not ended is rolled back by [`Readers::read`].
pub(crate) struct ReadTx<'c>(&'c Connection);

impl<'c> ReadTx<'c> {
    pub(crate) fn begin(conn: &'c Connection) -> rusqlite::Result<Self> {
        conn.prepare_cached("BEGIN")?.execute([])?;
        Ok(Self(conn))
    }

    pub(crate) fn end(self) -> rusqlite::Result<()> {
        self.0.prepare_cached("COMMIT")?.execute([])?;
        Ok(())
    }
}

impl std::ops::Deref for ReadTx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.0
    }
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("connections", &self.connections.len())
            .finish()
    }
}

impl Readers {
    /// Opens `count` connections to the database file at `path` (which must exist), refusing
    /// writes, each with a page cache of `cache_mib` MiB.
    ///
    /// A token lookup descends the token index (migration 0005) from its root to a leaf. The
    /// leaves are most of the index (83 MiB of 85 with a million tokens) and a random token's leaf
    /// is rarely cached however large the cache, but the pages above them (1.9 MiB a million
    /// tokens) are read by every lookup: SQLite's default cache (2 MiB) held only part of them
    /// beside the other tables' pages, and a lookup then read 1.6 pages from the operating system
    /// on average instead of 1. The cache fills only as pages are read.
    pub(crate) fn open(path: &Path, count: usize, cache_mib: u32) -> rusqlite::Result<Self> {
        let connections = (0..count.max(1))
            .map(|_| {
                // Opened read-write (never created) with `query_only`: a read-only connection
                // cannot always open a WAL database's shared-memory file.
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.pragma_update(None, "query_only", true)?;
                // Negative: a size in KiB rather than in pages.
                conn.pragma_update(None, "cache_size", -i64::from(cache_mib) * 1024)?;
                conn.set_prepared_statement_cache_capacity(8);
                Ok(Mutex::new(Reader {
                    conn,
                    apps: Cached::new(),
                }))
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Self {
            connections,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs `f` with a free connection, or answers `None` without waiting: when every connection
    /// is in use, or `f` fails (the caller then asks sqlx).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Reader) -> rusqlite::Result<T>) -> Option<T> {
        let n = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let Ok(mut reader) = self.connections[(start + i) % n].try_lock() else {
                continue;
            };
            if !settled(&reader.conn) {
                continue;
            }
            let answer = f(&mut reader);
            if !settled(&reader.conn) {
                return None;
            }
            return match answer {
                Ok(value) => Some(value),
                Err(e) => {
                    tracing::debug!(error = %e, "inline read failed; retrying through the pool");
                    None
                }
            };
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database file in a fresh folder (kept while the folder is), created by the connection
    /// returned with `schema`.
    fn database(schema: &str) -> (tempfile::TempDir, std::path::PathBuf, Connection) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("db");
        let writer = Connection::open(&path).expect("create");
        writer.execute_batch(schema).expect("schema");
        (dir, path, writer)
    }

    #[test]
    fn a_read_never_waits_for_a_connection_in_use() {
        let (_dir, path, _writer) = database("PRAGMA journal_mode=WAL; CREATE TABLE t (x)");
        let readers = Readers::open(&path, 2, 2).expect("open");
        let answers = readers
            .read(|_| {
                let second = readers.read(|_| Ok("second"));
                let third = readers.read(|_| Ok("third"));
                Ok((second, third))
            })
            .expect("the first read runs");
        // The first read holds one connection; a nested read takes the other, and, that released,
        // so does the next: neither waits, and with both in use the answer would be None.
        assert_eq!(answers, (Some("second"), Some("third")));
        let all_busy = readers
            .read(|_| Ok(readers.read(|_| Ok(readers.read(|_| Ok(()))))))
            .expect("runs");
        assert_eq!(
            all_busy,
            Some(None),
            "with every connection in use a read answers None at once"
        );
    }

    #[test]
    fn a_read_transaction_left_open_is_ended() {
        let (_dir, path, writer) = database("PRAGMA journal_mode=WAL; CREATE TABLE t (x)");
        let readers = Readers::open(&path, 1, 2).expect("open");
        let count = |conn: &Connection| conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0));
        let failed = readers.read(|reader| {
            let tx = ReadTx::begin(&reader.conn)?;
            count(&tx)?;
            Err::<(), _>(rusqlite::Error::InvalidQuery)
        });
        assert_eq!(failed, None);
        writer.execute("INSERT INTO t VALUES (1)", []).expect("insert");
        assert_eq!(
            readers.read(|reader| count(&reader.conn)),
            Some(1),
            "the next read sees the commit: it is not left in the old snapshot"
        );
        let ended = readers.read(|reader| {
            let tx = ReadTx::begin(&reader.conn)?;
            let n = count(&tx)?;
            tx.end()?;
            Ok((n, reader.conn.is_autocommit()))
        });
        assert_eq!(ended, Some((1, true)));
    }

    #[test]
    fn writes_are_refused_and_errors_answer_none() {
        let (_dir, path, _writer) = database("CREATE TABLE t (x)");
        let readers = Readers::open(&path, 1, 2).expect("open");
        assert_eq!(readers.read(|c| c.execute("INSERT INTO t VALUES (1)", [])), None);
        assert_eq!(
            readers.read(|c| c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))),
            Some(0)
        );
    }

    #[test]
    fn cached_rows_are_read_again_after_any_commit_and_only_then() {
        let (_dir, path, writer) = database(
            "PRAGMA journal_mode=WAL; CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER); INSERT INTO t VALUES ('a', 1)",
        );
        let reader = Connection::open(&path).expect("open");
        let mut cache = Cached::<i64>::new();
        let loads = std::cell::Cell::new(0);
        let mut get = |key: &str| {
            cache
                .get(&reader, key, |conn| {
                    loads.set(loads.get() + 1);
                    conn.query_row("SELECT v FROM t WHERE k = ?1", [key], |r| r.get(0))
                        .map(Some)
                        .or_else(|e| match e {
                            rusqlite::Error::QueryReturnedNoRows => Ok(None),
                            e => Err(e),
                        })
                })
                .expect("read")
        };
        assert_eq!((get("a"), get("a"), get("b"), get("b")), (Some(1), Some(1), None, None));
        writer.execute("UPDATE t SET v = 2 WHERE k = 'a'", []).expect("update");
        assert_eq!((get("a"), get("a")), (Some(2), Some(2)));
        writer.execute("INSERT INTO t VALUES ('b', 3)", []).expect("insert");
        assert_eq!(get("b"), Some(3), "an absence is not kept past a commit either");
        assert_eq!(loads.get(), 4, "one load per key and data version");
    }
}
