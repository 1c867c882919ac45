//! The text log's line format: tracing-subscriber's default (`Full`) format, with the request
//! log's lines (target `grantd::access`, one a request) written by a faster path.
//!
//! The default formatter writes every field through `fmt::Debug` (a string is escaped a
//! character at a time) and styles each field name even with colours off; a request's line cost
//! about a twelfth of a token check. [`AccessFast`] writes the same bytes directly: the
//! timestamp, level and target as the default format lays them out, then the message and
//! `name=value` pairs, strings quoted and escaped exactly as `Debug` does (by `Debug` itself
//! whenever a string holds anything but printable ASCII without quotes or backslashes). Any
//! other event, an event inside a span, and coloured output go to the default formatter.
//!
//! [`BatchedStderr`] writes the request log's `info` lines in batches, as nginx's
//! `access_log … buffer= flush=` does: one `write` to standard error per 32 KiB or per 200 ms,
//! whichever comes first, instead of one a request (the system call was worth a tenth of a token
//! check). Every other line — warnings and errors, a failed request's line included — is written
//! at once, after whatever was batched before it, so lines keep their order. The batch is written
//! when the server stops; a crash loses at most the last 200 ms of request lines.

use grantd_http::ACCESS_TARGET;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::Metadata;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The default format, with a fast path for the request log; see the module documentation.
#[derive(Debug, Default)]
pub struct AccessFast {
    default: Format<Full, SystemTime>,
}

impl<S, N> FormatEvent<S, N> for AccessFast
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let meta = event.metadata();
        if meta.target() != ACCESS_TARGET || writer.has_ansi_escapes() || ctx.lookup_current().is_some() {
            return self.default.format_event(ctx, writer, event);
        }
        write_timestamp(&mut writer, time::OffsetDateTime::now_utc())?;
        writer.write_str(level_label(*meta.level()))?;
        writer.write_str(ACCESS_TARGET)?;
        writer.write_str(": ")?;
        let mut fields = Fields {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_char('\n')
    }
}

/// The level as the default format pads it, between the spaces around it.
const fn level_label(level: Level) -> &'static str {
    match level {
        Level::TRACE => " TRACE ",
        Level::DEBUG => " DEBUG ",
        Level::INFO => "  INFO ",
        Level::WARN => "  WARN ",
        Level::ERROR => " ERROR ",
    }
}

/// `2026-11-21T19:36:41.481794Z`, as the default `SystemTime` timer writes it.
fn write_timestamp(writer: &mut Writer<'_>, now: time::OffsetDateTime) -> fmt::Result {
    let mut out = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, u32::try_from(now.year()).unwrap_or(0));
    put(5, 2, u32::from(u8::from(now.month())));
    put(8, 2, u32::from(now.day()));
    put(11, 2, u32::from(now.hour()));
    put(14, 2, u32::from(now.minute()));
    put(17, 2, u32::from(now.second()));
    put(20, 6, now.microsecond());
    writer.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
}

/// Writes an event's fields: the message as it is, the others as ` name=value`.
struct Fields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            if !self.first {
                self.writer.write_char(' ')?;
            }
            if field.name() != "message" {
                self.writer.write_str(field.name())?;
                self.writer.write_char('=')?;
            }
            self.first = false;
            value(self.writer)
        })();
    }
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            return self.field(field, |w| w.write_str(value));
        }
        self.field(field, |w| {
            let plain = value
                .bytes()
                .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
            if plain {
                w.write_char('"')?;
                w.write_str(value)?;
                w.write_char('"')
            } else {
                write!(w, "{value:?}")
            }
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |w| write!(w, "{value:?}"));
    }
}

/// Standard error, with request-log lines written in batches; see the module documentation.
#[derive(Clone, Debug)]
pub struct BatchedStderr {
    batch: Arc<Batch>,
}

struct Batch {
    held: Mutex<Held>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").finish_non_exhaustive()
    }
}

/// The lines held, and where they go.
struct Held {
    bytes: Vec<u8>,
    out: Box<dyn std::io::Write + Send>,
}

impl Held {
    fn write_held(&mut self) -> std::io::Result<()> {
        if self.bytes.is_empty() {
            return Ok(());
        }
        // Cleared even if the write fails: a broken standard error must not grow the batch.
        let result = self.out.write_all(&self.bytes);
        self.bytes.clear();
        result
    }
}

impl Batch {
    /// Bytes of request lines held at most.
    const BYTES: usize = 32 * 1024;
    /// Longest a request line is held.
    const DELAY: Duration = Duration::from_millis(200);

    fn new(out: Box<dyn std::io::Write + Send>) -> Self {
        Self {
            held: Mutex::new(Held {
                bytes: Vec::with_capacity(Self::BYTES),
                out,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `line` after the held lines (`line` empty: just the held lines).
    fn write_through(&self, line: &[u8]) -> std::io::Result<()> {
        let mut held = self.lock();
        held.write_held()?;
        held.out.write_all(line)
    }

    fn hold(&self, line: &[u8]) -> std::io::Result<()> {
        let mut held = self.lock();
        held.bytes.extend_from_slice(line);
        if held.bytes.len() < Self::BYTES {
            return Ok(());
        }
        held.write_held()
    }
}

impl BatchedStderr {
    /// Standard error, with a thread that writes held lines every 200 ms (it ends with the last
    /// clone of the writer).
    pub fn new() -> Self {
        Self::to(Box::new(std::io::stderr()))
    }

    /// The same, writing to `out` instead.
    fn to(out: Box<dyn std::io::Write + Send>) -> Self {
        let batch = Arc::new(Batch::new(out));
        let weak: Weak<Batch> = Arc::downgrade(&batch);
        let _ = std::thread::Builder::new()
            .name("grantd-log".into())
            .spawn(move || loop {
                std::thread::sleep(Batch::DELAY);
                match weak.upgrade() {
                    Some(batch) => {
                        let _ = batch.write_through(b"");
                    }
                    None => break,
                }
            });
        Self { batch }
    }

    /// Writes the held lines now.
    pub fn flush(&self) {
        let _ = self.batch.write_through(b"");
    }
}

impl Default for BatchedStderr {
    fn default() -> Self {
        Self::new()
    }
}

/// One event's writer: the whole line comes in one `write`.
#[derive(Debug)]
pub struct LineWriter<'a> {
    batch: &'a Batch,
    held: bool,
}

impl std::io::Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.held {
            self.batch.hold(buf)?;
        } else {
            self.batch.write_through(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedStderr {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            batch: &self.batch,
            held: false,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        LineWriter {
            batch: &self.batch,
            // `info` and below (Level orders the more verbose as the greater).
            held: meta.target() == ACCESS_TARGET && *meta.level() >= Level::INFO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AccessFast;
    use grantd_test_support::LogBuffer;

    /// Logs what `emit` logs through `format`; returns the lines without their timestamps.
    fn lines(fast: bool, emit: impl Fn()) -> Vec<String> {
        let buffer = LogBuffer::new();
        let builder = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(buffer.clone());
        if fast {
            tracing::subscriber::with_default(builder.event_format(AccessFast::default()).finish(), &emit);
        } else {
            tracing::subscriber::with_default(builder.finish(), &emit);
        }
        let text = buffer.contents();
        text.lines()
            .map(|line| {
                let (stamp, rest) = line.split_once(' ').expect("a timestamp");
                assert!(
                    stamp.len() == 27
                        && stamp.ends_with('Z')
                        && time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).is_ok(),
                    "{line}"
                );
                rest.to_owned()
            })
            .collect()
    }

    #[test]
    fn request_lines_are_what_the_default_format_writes() {
        let emit = || {
            let method = axum::http::Method::POST;
            for path in ["/applications/abc/token", "/a b\"c\\d\ne\u{7f}é", ""] {
                tracing::info!(target: "grantd::access", id = "0123456789ABCDEF", %method, path, status = 200_u16, latency_us = 1234_u64, "request");
                tracing::error!(target: "grantd::access", id = "", %method, path, status = 500_u16, cause = %"the disk caught \"fire\"", "request failed");
            }
            tracing::warn!(target: "grantd::access", n = -5_i64, ok = true, "odd");
            tracing::info!(target: "grantd::other", path = "/x", "not the request log");
            let span = tracing::info_span!("inside", k = 1);
            let _entered = span.enter();
            tracing::info!(target: "grantd::access", id = "1", "in a span");
        };
        let fast = lines(true, emit);
        assert_eq!(fast.len(), 9);
        assert_eq!(fast, lines(false, emit));
        assert!(
            fast[0].contains("id=\"0123456789ABCDEF\" method=POST path=\"/applications/abc/token\""),
            "{}",
            fast[0]
        );
    }

    #[test]
    fn request_lines_are_batched_and_every_other_line_goes_out_at_once_in_order() {
        let buffer = LogBuffer::new();
        let out = super::BatchedStderr::to(Box::new(buffer.clone()));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .event_format(AccessFast::default())
            .with_writer(out.clone())
            .finish();
        let written = || {
            buffer
                .contents()
                .lines()
                .map(|l| l.split_once(": ").expect("a line").1.to_owned())
                .collect::<Vec<_>>()
        };
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "grantd::access", "one");
            tracing::info!(target: "grantd::access", "two");
            assert!(written().is_empty(), "request lines are held");
            tracing::error!(target: "grantd::access", "three");
            assert_eq!(
                written(),
                ["one", "two", "three"],
                "a failed request's line goes out at once, after the held ones"
            );
            tracing::info!(target: "grantd::access", "four");
            tracing::info!(target: "grantd::cli", "five");
            assert_eq!(
                written(),
                ["one", "two", "three", "four", "five"],
                "other lines go out at once"
            );
            tracing::info!(target: "grantd::access", "six");
            out.flush();
            assert_eq!(written().len(), 6, "flush writes what is held");
            tracing::info!(target: "grantd::access", "seven");
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while written().len() < 7 {
            assert!(
                std::time::Instant::now() < deadline,
                "a held line goes out within 200 ms"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // Past 32 KiB, a batch is written without waiting.
        let many = tracing_subscriber::fmt()
            .with_ansi(false)
            .event_format(AccessFast::default())
            .with_writer(out)
            .finish();
        let long = "x".repeat(1000);
        tracing::subscriber::with_default(many, || {
            for _ in 0..40 {
                tracing::info!(target: "grantd::access", path = long.as_str(), "request");
            }
        });
        assert!(written().len() >= 7 + 30, "{} lines", written().len());
    }
}
