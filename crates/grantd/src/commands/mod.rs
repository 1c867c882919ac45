//! The commands of the `grantd` binary, one file each, and what they share: opening the
//! services for an administrative command, printing a result as text or JSON, and turning a
//! service's refusal into a command-line error ([`Refused`]) rather than a server failure.

pub mod app;
pub mod copy;
pub mod migrate;
pub mod serve;
pub mod user;

use crate::cli::Cli;
use crate::server;
use anyhow::Context;
use grantd_core::clock::SystemClock;
use grantd_core::secret::{MasterKey, PasswordPolicy};
use grantd_core::service::{ServiceConfig, ServiceError, Services};
use secrecy::SecretString;
use std::io::Read;
use std::sync::Arc;

/// A command refused for a reason its user can fix (bad input, an unknown login or client id, a
/// taken login, a target database that is not empty); the message says which, without the
/// "internal error" of a failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// A service's error as the command line reports it: a refusal with its reason, or a failure
/// with its cause chain intact (printed with `{:#}`).
pub(crate) fn service_error(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Rejected(reason) => Refused(reason).into(),
        ServiceError::NotFound => Refused("not found".to_owned()).into(),
        ServiceError::Validation(errors) => {
            let reasons: Vec<String> = errors
                .iter()
                .map(|f| match &f.message {
                    Some(message) => format!("{} {}: {message}", f.field, f.code),
                    None => format!("{} {}", f.field, f.code),
                })
                .collect();
            Refused(format!("invalid input: {}", reasons.join("; "))).into()
        }
        other => anyhow::Error::new(other),
    }
}

/// The pool settings the command line names.
pub(crate) fn db_options(cli: &Cli) -> server::DbOptions {
    server::DbOptions {
        max_connections: cli.db_max_connections,
        acquire_timeout: cli.db_acquire_timeout,
        connect_timeout: cli.db_connect_timeout,
        sqlite_reader_cache_mib: cli.sqlite_cache_mib,
    }
}

/// The configured master key (see [`crate::master_key`]).
pub(crate) fn master_key(cli: &Cli) -> anyhow::Result<MasterKey> {
    let file = cli
        .master_key_file
        .clone()
        .or_else(|| crate::master_key::default_key_file(&cli.database_url));
    crate::master_key::load_master_key(&cli.database_url, cli.master_key.as_deref(), file.as_deref())
}

/// The services for an administrative command: default rules, one password hash at a time.
pub(crate) async fn admin_services(cli: &Cli) -> anyhow::Result<Services> {
    let key = master_key(cli)?;
    let store = server::open_store(&cli.database_url, &db_options(cli)).await?;
    server::services(
        store,
        Arc::new(SystemClock),
        key,
        ServiceConfig::default(),
        PasswordPolicy::default(),
        1,
    )
}

/// Prints `text`, or `value` with `--json`.
pub(crate) fn say(cli: &Cli, text: &str, value: serde_json::Value) {
    if cli.json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

/// A database URL with any password replaced, for logs and messages.
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("[redacted]"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Reads a password from standard input (required by `--password-stdin`).
pub(crate) fn read_password(password_stdin: bool) -> anyhow::Result<SecretString> {
    if !password_stdin {
        return Err(Refused("pass the password on standard input with --password-stdin".to_owned()).into());
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the password from standard input")?;
    // One trailing newline (from `echo`) is not part of the password.
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(SecretString::from(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::{service_error, Refused};
    use grantd_core::service::{FieldError, ServiceError};

    #[test]
    fn a_refusal_is_a_command_line_error_and_a_failure_keeps_its_cause() {
        let refused = service_error(ServiceError::Rejected("the login \"a\" is taken".into()));
        assert_eq!(format!("{refused:#}"), "the login \"a\" is taken");
        assert!(refused.is::<Refused>());
        let invalid = service_error(ServiceError::Validation(vec![FieldError::authorization(
            "description",
            "missing",
        )]));
        assert_eq!(format!("{invalid:#}"), "invalid input: description missing");
        assert!(invalid.is::<Refused>());
        let failed = service_error(ServiceError::Internal("the disk caught fire".into())).context("adding a user");
        assert_eq!(
            format!("{failed:#}"),
            "adding a user: internal error: the disk caught fire"
        );
        assert!(!failed.is::<Refused>());
    }
}
