//! `--log.level` and `--log.format` (op-node's names), on every command. `RUST_LOG`, when set,
//! wins over `--log.level` (it can name targets). Lines go to stderr so that what a command
//! prints on stdout (addresses, `--json` output) stays machine-readable. A role's lines carry
//! its name: each role runs inside a `lamina{role=…}` span, which every format shows.

use std::{fmt, io::IsTerminal};

use tracing::{Event, Level, Subscriber, field::Field};
use tracing_subscriber::{
    EnvFilter,
    field::RecordFields,
    fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, format::Writer},
    registry::LookupSpan,
};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line (fields, target, spans).
    Json,
    /// `key=value` pairs, one event per line.
    Logfmt,
}

/// The logging flags.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct LogFlags {
    /// Lowest level logged: error, warn, info, debug, trace (RUST_LOG, when set, wins).
    #[arg(id = "log.level", long = "log.level", global = true, default_value = "warn")]
    level: String,
    /// Line format.
    #[arg(
        id = "log.format",
        long = "log.format",
        global = true,
        value_enum,
        default_value_t = LogFormat::Text
    )]
    format: LogFormat,
}

impl LogFlags {
    /// Installs the process's subscriber.
    pub(crate) fn init(&self) -> eyre::Result<()> {
        let filter = match EnvFilter::try_from_env("RUST_LOG") {
            Ok(f) => f,
            Err(_) => EnvFilter::try_new(&self.level)
                .map_err(|e| eyre::eyre!("--log.level {}: {e}", self.level))?,
        };
        // Colour only for a person at a terminal, never into a file or a pipe.
        let ansi = self.format == LogFormat::Text && std::io::stderr().is_terminal();
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(ansi);
        let installed = match self.format {
            LogFormat::Text => builder.try_init(),
            LogFormat::Json => builder.json().try_init(),
            LogFormat::Logfmt => builder.fmt_fields(LogfmtFields).event_format(Logfmt).try_init(),
        };
        installed.map_err(|e| eyre::eyre!("installing the logger: {e}"))
    }
}

/// logfmt: `ts=… level=… target=… role=… msg="…" key=value …`.
struct Logfmt;

impl<S> FormatEvent<S, LogfmtFields> for Logfmt
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, LogfmtFields>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        write!(w, "ts={ts:.3} level={} target={}", level(meta.level()), meta.target())?;
        // The spans' fields (the role), outermost first, already ` key=value` pairs.
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<LogfmtFields>>() {
                    w.write_str(fields)?;
                }
            }
        }
        ctx.format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// Formats fields (an event's, a span's) as ` key=value` pairs.
struct LogfmtFields;

impl<'w> FormatFields<'w> for LogfmtFields {
    fn format_fields<R: RecordFields>(&self, mut w: Writer<'w>, fields: R) -> fmt::Result {
        let mut v = Pairs { w: &mut w, result: Ok(()) };
        fields.record(&mut v);
        v.result
    }
}

fn level(l: &Level) -> &'static str {
    match *l {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// Writes each field as ` key=value`, quoting values that need it.
struct Pairs<'a, 'w> {
    w: &'a mut Writer<'w>,
    result: fmt::Result,
}

impl tracing::field::Visit for Pairs<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_ok() {
            self.result = pair(self.w, field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_ok() {
            self.result = pair(self.w, field.name(), &format!("{value:?}"));
        }
    }
}

fn pair(w: &mut Writer<'_>, key: &str, value: &str) -> fmt::Result {
    let key = if key == "message" { "msg" } else { key };
    if !value.is_empty() && !value.contains(|c: char| c.is_whitespace() || c == '"' || c == '=') {
        write!(w, " {key}={value}")
    } else {
        write!(w, " {key}={value:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_when_they_must_be() {
        let mut s = String::new();
        let mut w = Writer::new(&mut s);
        pair(&mut w, "message", "channel posted").unwrap();
        pair(&mut w, "first", "12").unwrap();
        pair(&mut w, "why", "a=b").unwrap();
        pair(&mut w, "empty", "").unwrap();
        assert_eq!(s, r#" msg="channel posted" first=12 why="a=b" empty="""#);
    }
}
