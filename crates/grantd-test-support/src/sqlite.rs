//! Throw-away SQLite databases: a file in a temporary folder of its own, deleted with the folder.

use tempfile::TempDir;

/// A SQLite database file (not created yet: the store creates it on open) in a temporary folder
/// of its own, deleted with everything in it when dropped.
#[derive(Debug)]
pub struct TempSqlite {
    _dir: TempDir,
    url: String,
}

impl TempSqlite {
    /// A fresh folder for `grantd.db`.
    ///
    /// # Panics
    ///
    /// When no temporary folder can be made.
    pub fn create() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("grantd.db").display());
        Self { _dir: dir, url }
    }

    /// The database's URL, `sqlite://<folder>/grantd.db`.
    pub fn url(&self) -> &str {
        &self.url
    }
}
