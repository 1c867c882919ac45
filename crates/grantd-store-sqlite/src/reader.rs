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

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Reader connections; see the module documentation.
pub(crate) struct Readers {
    connections: Vec<Mutex<Connection>>,
    next: AtomicUsize,
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
    /// writes.
    pub(crate) fn open(path: &Path, count: usize) -> rusqlite::Result<Self> {
        let connections = (0..count.max(1))
            .map(|_| {
                // Opened read-write (never created) with `query_only`: a read-only connection
                // cannot always open a WAL database's shared-memory file.
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.pragma_update(None, "query_only", true)?;
                conn.set_prepared_statement_cache_capacity(8);
                Ok(Mutex::new(conn))
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Self {
            connections,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs `f` with a free connection, or answers `None` without waiting: when every connection
    /// is in use, or `f` fails (the caller then asks sqlx).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let n = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let Ok(conn) = self.connections[(start + i) % n].try_lock() else {
                continue;
            };
            return match f(&conn) {
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

    #[test]
    fn a_read_never_waits_for_a_connection_in_use() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("db");
        Connection::open(&path)
            .expect("create")
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x)")
            .expect("schema");
        let readers = Readers::open(&path, 2).expect("open");
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
    fn writes_are_refused_and_errors_answer_none() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("db");
        Connection::open(&path)
            .expect("create")
            .execute_batch("CREATE TABLE t (x)")
            .expect("schema");
        let readers = Readers::open(&path, 1).expect("open");
        assert_eq!(readers.read(|c| c.execute("INSERT INTO t VALUES (1)", [])), None);
        assert_eq!(
            readers.read(|c| c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))),
            Some(0)
        );
    }
}
