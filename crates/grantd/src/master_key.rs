//! The master key that seals TOTP seeds: where it lives by default, and loading it (from the
//! configuration, or from a file created with a new random key when missing).

use crate::server::is_postgres;
use anyhow::{bail, Context};
use grantd_core::secret::MasterKey;
use std::path::{Path, PathBuf};

/// Where the master key lives when not configured: beside the SQLite file.
pub fn default_key_file(database_url: &str) -> Option<PathBuf> {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    let dir = Path::new(path).parent().map(Path::to_path_buf).unwrap_or_default();
    Some(dir.join("master.key"))
}

/// Loads the key that seals TOTP seeds: from `hex` if given, else from `file` (created with a
/// new random key, readable by its owner only, when missing). With neither, an in-memory SQLite
/// database gets an ephemeral key; PostgreSQL needs one configured, the same on every instance.
pub fn load_master_key(database_url: &str, hex: Option<&str>, file: Option<&Path>) -> anyhow::Result<MasterKey> {
    if let Some(hex) = hex {
        return MasterKey::from_hex(hex).context("GRANTD_MASTER_KEY");
    }
    let Some(file) = file else {
        if is_postgres(database_url) {
            bail!(
                "with PostgreSQL, set --master-key-file or GRANTD_MASTER_KEY to the same key on every instance \
                 (64 hexadecimal characters, e.g. from: openssl rand -hex 32)"
            );
        }
        return Ok(MasterKey::generate());
    };
    match std::fs::read_to_string(file) {
        Ok(text) => {
            warn_if_readable_by_others(file);
            MasterKey::from_hex(&text).with_context(|| format!("master key file {}", file.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(file),
        Err(e) => Err(e).with_context(|| format!("reading master key file {}", file.display())),
    }
}

/// Creates `file` with a new key; if another grantd process created it at the same moment,
/// reads that one.
fn create(file: &Path) -> anyhow::Result<MasterKey> {
    let key = MasterKey::generate();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    match write_private(file, &key.to_hex()) {
        Ok(()) => {
            tracing::info!(path = %file.display(), "created a new master key; back it up with the database");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text =
                std::fs::read_to_string(file).with_context(|| format!("reading master key file {}", file.display()))?;
            MasterKey::from_hex(&text).with_context(|| format!("master key file {}", file.display()))
        }
        Err(e) => Err(e).with_context(|| format!("writing master key file {}", file.display())),
    }
}

/// Warns when the key file can be read by users other than its owner: anyone who can read it can
/// open every sealed two-factor secret in a copy of the database.
#[cfg(unix)]
fn warn_if_readable_by_others(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(file) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %file.display(),
                mode = format_args!("{mode:04o}"),
                "the master key file can be read by other users; make it private (chmod 600)"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_file: &Path) {}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
