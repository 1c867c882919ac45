//! grantd's own line format for the request log (target `grantd::access`, one event a request),
//! in text and in JSON; every other event goes to tracing-subscriber's formatter. The README's
//! "Logging" section is the specification; the tests below hold this code to it.
//!
//! Text: `TIMESTAMP LEVEL grantd::access: MESSAGE name=value …`, one line.
//! - `TIMESTAMP`: RFC 3339 in UTC with microseconds, `2026-11-21T19:36:41.481794Z`;
//! - `LEVEL`: `INFO` or `ERROR` (any level's name), right-aligned in five columns so that the
//!   request lines line up with the others;
//! - `MESSAGE`: the event's message as it is (`request`, `request failed`);
//! - then each field as ` name=value`, in the order the request log gives them; a number or a
//!   boolean as it is, anything else in double quotes escaped as a JSON string is (`\"`, `\\`,
//!   `\n`, `\u001b` …). No colours, no span context.
//!
//! JSON: one object a line, `{"timestamp":…,"level":…,"fields":{"message":…,"name":value,…},
//! "target":"grantd::access"}`: the keys tracing-subscriber's JSON lines have, so that one
//! parser reads both; numbers and booleans as JSON numbers and booleans, anything else as a
//! JSON string.
//!
//! Why not the stock formatters for this one line: they write every field through `fmt::Debug`
//! (a string escaped a character at a time). Measured with callgrind on a release build, a
//! request's line costs ~10.5k instructions in tracing-subscriber's text format and ~3.5k here;
//! in JSON ~17.3k against ~5.1k. A token check is ~107k instructions, so the stock text line
//! would be ~7 % of it.

use grantd_http::ACCESS_TARGET;
use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// An event formatter: grantd's access line for the request log, `other` for everything else.
#[derive(Debug)]
pub struct WithAccessLines<F> {
    other: F,
    json: bool,
}

impl<F> WithAccessLines<F> {
    /// Text access lines in front of `other` (tracing-subscriber's text format).
    pub const fn text(other: F) -> Self {
        Self { other, json: false }
    }

    /// JSON access records in front of `other` (tracing-subscriber's JSON format).
    pub const fn json(other: F) -> Self {
        Self { other, json: true }
    }
}

impl<S, N, F> FormatEvent<S, N> for WithAccessLines<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        if event.metadata().target() != ACCESS_TARGET {
            return self.other.format_event(ctx, writer, event);
        }
        if self.json {
            write_json(&mut writer, time::OffsetDateTime::now_utc(), event)
        } else {
            write_text(&mut writer, time::OffsetDateTime::now_utc(), event)
        }
    }
}

/// The text line of `event`, logged at `now`.
fn write_text<W: fmt::Write>(w: &mut W, now: time::OffsetDateTime, event: &Event<'_>) -> fmt::Result {
    write_timestamp(w, now)?;
    w.write_str(match *event.metadata().level() {
        Level::TRACE => " TRACE ",
        Level::DEBUG => " DEBUG ",
        Level::INFO => "  INFO ",
        Level::WARN => "  WARN ",
        Level::ERROR => " ERROR ",
    })?;
    w.write_str(event.metadata().target())?;
    w.write_char(':')?;
    let mut fields = TextFields { w, result: Ok(()) };
    event.record(&mut fields);
    fields.result?;
    w.write_char('\n')
}

/// The JSON record of `event`, logged at `now`.
fn write_json<W: fmt::Write>(w: &mut W, now: time::OffsetDateTime, event: &Event<'_>) -> fmt::Result {
    w.write_str("{\"timestamp\":\"")?;
    write_timestamp(w, now)?;
    w.write_str("\",\"level\":\"")?;
    w.write_str(event.metadata().level().as_str())?;
    w.write_str("\",\"fields\":{")?;
    let mut fields = JsonFields {
        w,
        first: true,
        result: Ok(()),
    };
    event.record(&mut fields);
    fields.result?;
    w.write_str("},\"target\":")?;
    write_quoted(w, event.metadata().target())?;
    w.write_str("}\n")
}

/// `2026-11-21T19:36:41.481794Z`: RFC 3339, UTC, microseconds.
fn write_timestamp<W: fmt::Write>(w: &mut W, now: time::OffsetDateTime) -> fmt::Result {
    let mut out = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for digit in out[at..at + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
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
    w.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
}

/// `value` as a JSON string: in double quotes, with `"`, `\` and control characters escaped.
fn write_quoted<W: fmt::Write>(w: &mut W, value: &str) -> fmt::Result {
    w.write_char('"')?;
    Escaped(w).write_str(value)?;
    w.write_char('"')
}

/// A writer that escapes what goes through it as the inside of a JSON string (RFC 8259 §7).
struct Escaped<'a, W>(&'a mut W);

impl<W: fmt::Write> fmt::Write for Escaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Most values (ids, methods, routes) need no escaping: one scan, one write.
        if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\' || b == 0x7f) {
            return self.0.write_str(s);
        }
        let mut plain = 0;
        for (i, b) in s.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f | 0x7f => "",
                _ => continue,
            };
            self.0.write_str(&s[plain..i])?;
            if escape.is_empty() {
                write!(self.0, "\\u{b:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            plain = i + 1;
        }
        self.0.write_str(&s[plain..])
    }
}

/// The text line's fields: the message as it is, then ` name=value`.
struct TextFields<'a, W> {
    w: &'a mut W,
    result: fmt::Result,
}

impl<W: fmt::Write> TextFields<'_, W> {
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = (|| {
                self.w.write_char(' ')?;
                if field.name() != "message" {
                    self.w.write_str(field.name())?;
                    self.w.write_char('=')?;
                }
                value(self.w)
            })();
        }
    }
}

impl<W: fmt::Write> Visit for TextFields<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.field(field, |w| w.write_str(value));
        } else {
            self.field(field, |w| write_quoted(w, value));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.field(field, |w| write!(w, "{value:?}"));
        } else {
            self.field(field, |w| {
                w.write_char('"')?;
                write!(Escaped(w), "{value:?}")?;
                w.write_char('"')
            });
        }
    }
}

/// The JSON record's fields: `"name":value`, separated by commas.
struct JsonFields<'a, W> {
    w: &'a mut W,
    first: bool,
    result: fmt::Result,
}

impl<W: fmt::Write> JsonFields<'_, W> {
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = (|| {
                if !std::mem::take(&mut self.first) {
                    self.w.write_char(',')?;
                }
                write_quoted(self.w, field.name())?;
                self.w.write_char(':')?;
                value(self.w)
            })();
        }
    }
}

impl<W: fmt::Write> Visit for JsonFields<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |w| write_quoted(w, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |w| {
            w.write_char('"')?;
            write!(Escaped(w), "{value:?}")?;
            w.write_char('"')
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{write_json, write_text};
    use std::sync::{Arc, Mutex};
    use tracing::Level;
    use tracing_subscriber::layer::{Context, SubscriberExt as _};

    /// Lays out each event logged by `emit` as [`write_text`] and [`write_json`] do, at a fixed
    /// instant.
    fn laid_out(emit: impl Fn()) -> Vec<(String, String)> {
        struct Capture(Arc<Mutex<Vec<(String, String)>>>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
            fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
                let at = time::Date::from_calendar_date(2026, time::Month::November, 21)
                    .and_then(|d| d.with_hms_micro(19, 36, 41, 481))
                    .expect("a date")
                    .assume_utc();
                let (mut text, mut json) = (String::new(), String::new());
                write_text(&mut text, at, event).expect("text");
                write_json(&mut json, at, event).expect("json");
                self.0.lock().expect("lock").push((text, json));
            }
        }
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
        tracing::subscriber::with_default(subscriber, emit);
        let lines = lines.lock().expect("lock").clone();
        lines
    }

    #[test]
    fn a_request_line_is_laid_out_as_the_readme_says() {
        let lines = laid_out(|| {
            let method = axum::http::Method::POST;
            let (ip, principal) = ("2001:db8::7", "app:3");
            tracing::info!(target: "grantd::access", id = "0123456789ABCDEF", %method, route = "/applications/{client_id}/token", status = 200_u16, %ip, %principal, latency_us = 1234_u64, "request");
        });
        assert_eq!(
            lines[0].0,
            "2026-11-21T19:36:41.000481Z  INFO grantd::access: request id=\"0123456789ABCDEF\" method=\"POST\" \
             route=\"/applications/{client_id}/token\" status=200 ip=\"2001:db8::7\" principal=\"app:3\" latency_us=1234\n"
        );
        assert_eq!(
            lines[0].1,
            "{\"timestamp\":\"2026-11-21T19:36:41.000481Z\",\"level\":\"INFO\",\"fields\":{\"message\":\"request\",\
             \"id\":\"0123456789ABCDEF\",\"method\":\"POST\",\"route\":\"/applications/{client_id}/token\",\
             \"status\":200,\"ip\":\"2001:db8::7\",\"principal\":\"app:3\",\"latency_us\":1234},\
             \"target\":\"grantd::access\"}\n"
        );
    }

    #[test]
    fn values_are_quoted_and_escaped_as_json_strings_and_numbers_are_bare() {
        let lines = laid_out(|| {
            let cause = "the disk caught \"fire\"\n\\ \u{1b}[31m é";
            tracing::error!(target: "grantd::access", id = "", status = 500_u16, %cause, n = -5_i64, ok = true, "request failed");
        });
        let (text, json) = &lines[0];
        assert_eq!(
            text,
            "2026-11-21T19:36:41.000481Z ERROR grantd::access: request failed id=\"\" status=500 \
             cause=\"the disk caught \\\"fire\\\"\\n\\\\ \\u001b[31m é\" n=-5 ok=true\n"
        );
        let value: serde_json::Value = serde_json::from_str(json).expect("one JSON object");
        assert_eq!(value["level"], "ERROR");
        assert_eq!(value["target"], "grantd::access");
        assert_eq!(
            value["fields"],
            serde_json::json!({"message": "request failed", "id": "", "status": 500,
                "cause": "the disk caught \"fire\"\n\\ \u{1b}[31m é", "n": -5, "ok": true})
        );
        assert_eq!(json.lines().count(), 1);
        // Every level keeps the five columns.
        let lines = laid_out(|| {
            for level in [Level::TRACE, Level::DEBUG, Level::INFO, Level::WARN, Level::ERROR] {
                match level {
                    Level::TRACE => tracing::trace!(target: "grantd::access", "m"),
                    Level::DEBUG => tracing::debug!(target: "grantd::access", "m"),
                    Level::INFO => tracing::info!(target: "grantd::access", "m"),
                    Level::WARN => tracing::warn!(target: "grantd::access", "m"),
                    _ => tracing::error!(target: "grantd::access", "m"),
                }
            }
        });
        let columns: Vec<&str> = lines.iter().map(|(text, _)| &text[27..34]).collect();
        assert_eq!(columns, [" TRACE ", " DEBUG ", "  INFO ", "  WARN ", " ERROR "]);
    }
}
