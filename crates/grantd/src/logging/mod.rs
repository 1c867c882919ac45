//! Logging for `grantd serve` (and, plainly, for the other commands: [`init_for_command`]): tracing-subscriber's layers (text or JSON) writing to standard
//! error through tracing-appender's non-blocking writer, with the request log's lines in
//! grantd's own format ([`access`]); and [`ErrorChain`], an error with its causes for a log
//! field.
//!
//! - The level comes from `GRANTD_LOG` (`info` by default; also per target,
//!   `info,grantd_http=debug,sqlx=warn`), read by a `Targets` filter rather than an `EnvFilter`:
//!   it decides by level and target alone, which keeps the request log cheap (span-field
//!   filtering, which only `EnvFilter` has, cost several microseconds a request).
//! - Lines are formatted on the thread that logs and written by one thread of their own
//!   (`grantd-log`), in order. That thread writes whatever lines have gathered in one `write`
//!   (through a 64 KiB buffer), so a busy server makes one system call for many requests and an
//!   idle one writes each line at once.
//! - No line is dropped: the writer is not lossy. If standard error cannot take lines as fast as
//!   they come and 128,000 are waiting, the threads that log wait for room.
//! - [`LogGuard`]: when `serve` ends, every line logged before is written out (tracing-appender
//!   gives its thread up to a second to finish, far more than a full buffer takes).

pub mod access;

use std::fmt;
use std::io::IsTerminal as _;
use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Format;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

pub use access::WithAccessLines;

/// Bytes the log thread gathers before a `write`, when lines come faster than it writes them.
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// Keeps the log thread; dropping it writes out every line logged before.
#[derive(Debug)]
#[must_use = "dropping the guard stops the log thread"]
pub struct LogGuard {
    _worker: WorkerGuard,
}

/// Logs to standard error at the level `GRANTD_LOG` names, in `format` (`text` or `json`).
/// Colours only on a terminal. Keep the guard until the server has stopped.
pub fn init(format: &str) -> LogGuard {
    let (writer, guard) = non_blocking_stderr();
    let registry = tracing_subscriber::registry().with(filter(&std::env::var("GRANTD_LOG").unwrap_or_default()));
    // Another subscriber set already (a test calling `serve` twice): keep that one.
    let _ = if format == "json" {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .event_format(WithAccessLines::json(Format::default().json()))
                    .with_writer(writer),
            )
            .try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(std::io::stderr().is_terminal())
                    .event_format(WithAccessLines::text(Format::default()))
                    .with_writer(writer),
            )
            .try_init()
    };
    LogGuard { _worker: guard }
}

/// Logs of an administrative command (`grantd user …`, `migrate`, `copy`): grantd's own notices
/// and everyone's warnings to standard error, plainly and at once (no log thread), so that for
/// example a master key readable by others is reported whatever command opened it.
pub fn init_for_command() {
    let targets = Targets::new()
        .with_default(tracing::Level::WARN)
        .with_target("grantd", tracing::Level::INFO);
    let _ = tracing_subscriber::registry()
        .with(targets)
        .with(
            tracing_subscriber::fmt::layer()
                .without_time()
                .with_target(false)
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr),
        )
        .try_init();
}

/// The filter `spec` (`GRANTD_LOG`) names; `info` when it is empty or not a valid filter.
fn filter(spec: &str) -> Targets {
    let spec = spec.trim();
    spec.parse::<Targets>()
        .ok()
        .filter(|_| !spec.is_empty())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO))
}

/// The non-blocking, lossless writer to standard error that [`init`] logs to, with its guard.
pub fn non_blocking_stderr() -> (NonBlocking, WorkerGuard) {
    non_blocking(std::io::stderr())
}

/// A non-blocking writer to `out`, lossless, with its guard.
fn non_blocking<W: std::io::Write + Send + 'static>(out: W) -> (NonBlocking, WorkerGuard) {
    NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("grantd-log")
        .finish(std::io::BufWriter::with_capacity(WRITE_BUFFER_BYTES, out))
}

/// An error and its causes, `outer: inner: innermost`, as anyhow's `{:#}` writes them: for a log
/// field (`error = %ErrorChain(&e)`), so that a failure keeps its reason.
#[derive(Debug, Clone, Copy)]
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{filter, non_blocking, ErrorChain, WithAccessLines};
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::format::Format;
    use tracing_subscriber::layer::SubscriberExt as _;

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_guard_is_dropped() {
        let sink = Sink::default();
        let (writer, guard) = non_blocking(sink.clone());
        let subscriber = tracing_subscriber::registry().with(filter("")).with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .event_format(WithAccessLines::text(Format::default()))
                .with_writer(writer),
        );
        tracing::subscriber::with_default(subscriber, || {
            for i in 0..10_000_u64 {
                tracing::info!(target: "grantd::access", id = "0123456789ABCDEF", status = 200_u16, latency_us = i, "request");
            }
            tracing::warn!(target: "grantd::cli", "the last line");
            tracing::debug!(target: "grantd::cli", "below the level");
        });
        drop(guard);
        let bytes = sink.0.lock().expect("lock").clone();
        let text = String::from_utf8(bytes).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10_001, "no line lost");
        for (i, line) in lines[..10_000].iter().enumerate() {
            assert!(line.ends_with(&format!(" latency_us={i}")), "{line}");
        }
        assert!(
            lines[10_000].contains("  WARN grantd::cli: the last line"),
            "{}",
            lines[10_000]
        );
    }

    #[test]
    fn the_level_comes_from_grantd_log_and_defaults_to_info() {
        let at = |spec: &str, target: &str, level: tracing::Level| filter(spec).would_enable(target, &level);
        assert!(at("", "grantd::access", tracing::Level::INFO));
        assert!(!at("", "grantd::access", tracing::Level::DEBUG));
        assert!(!at("warn", "grantd::access", tracing::Level::INFO));
        assert!(at("info,sqlx=warn", "grantd::access", tracing::Level::INFO));
        assert!(!at("info,sqlx=warn", "sqlx::query", tracing::Level::INFO));
        assert!(at("not a filter ===", "grantd::access", tracing::Level::INFO));
    }

    #[test]
    fn an_error_chain_names_every_cause() {
        let e = anyhow::anyhow!("the disk caught fire").context("writing the target database");
        let e: &(dyn std::error::Error + 'static) = e.as_ref();
        assert_eq!(
            ErrorChain(e).to_string(),
            "writing the target database: the disk caught fire"
        );
    }
}
