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

use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The target of the request log's events.
pub const ACCESS_TARGET: &str = "grantd::access";

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
            if field.name() == "message" {
                if !self.first {
                    self.writer.write_char(' ')?;
                }
            } else {
                if !self.first {
                    self.writer.write_char(' ')?;
                }
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

#[cfg(test)]
mod tests {
    use super::AccessFast;
    use std::sync::{Arc, Mutex};

    /// Logs what `emit` logs through `format`; returns the lines without their timestamps.
    fn lines(fast: bool, emit: impl Fn()) -> Vec<String> {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let make = move || Writer(sink.clone());
        let builder = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(make);
        if fast {
            tracing::subscriber::with_default(builder.event_format(AccessFast::default()).finish(), &emit);
        } else {
            tracing::subscriber::with_default(builder.finish(), &emit);
        }
        let text = String::from_utf8(buffer.lock().expect("lock").clone()).expect("utf-8");
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

    struct Writer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
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
}
