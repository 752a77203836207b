//! Logs that reach Terraform's `TF_LOG`, where terraform-provider-aws logs: a resource that
//! vanished and is removed from state, the waits on a status, and (from the AWS SDK) retries.
//!
//! Terraform reads a provider's stderr through go-plugin, which files a line by its leading
//! `[TRACE]`, `[DEBUG]`, `[INFO]`, `[WARN]` or `[ERROR]` at that level (as Go providers log with
//! `log.Printf("[WARN] ...")`); `TF_LOG` / `TF_LOG_PROVIDER` then choose what is shown.
//! [`terraform_stderr_layer`] writes `tracing` events in that form: the provider's own from
//! DEBUG up, the SDK's retry decisions from DEBUG up, anything else from WARN up.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{filter_fn, Filtered};
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields};
use tracing_subscriber::fmt::{FmtContext, MakeWriter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// Logs that Personalize no longer has the `resource` (its display name) `arn`, so a read
/// removes it from state.
pub fn removing_from_state(resource: &str, arn: &str) {
    tracing::warn!("Personalize {resource} ({arn}) not found, removing from state");
}

/// Formats an event as go-plugin reads a log line: `[LEVEL] message key=value...`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LevelPrefixed;

impl<S, N> FormatEvent<S, N> for LevelPrefixed
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: format::Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "[{}] ", event.metadata().level())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Whether an event goes to Terraform: the provider's own from DEBUG, the SDK's retries from
/// DEBUG, the rest from WARN.
fn to_terraform(meta: &tracing::Metadata<'_>) -> bool {
    let target = meta.target();
    let floor = if target.starts_with(env!("CARGO_CRATE_NAME"))
        || target.starts_with("aws_smithy_runtime::client::retries")
    {
        Level::DEBUG
    } else {
        Level::WARN
    };
    meta.is_span() || *meta.level() <= floor
}

/// The layer that writes events to `writer` (stderr in the provider) for Terraform's `TF_LOG`.
pub fn terraform_layer<S, W>(
    writer: W,
) -> Filtered<
    tracing_subscriber::fmt::Layer<S, format::DefaultFields, LevelPrefixed, W>,
    impl tracing_subscriber::layer::Filter<S>,
    S,
>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .event_format(LevelPrefixed)
        .with_writer(writer)
        .with_filter(filter_fn(to_terraform))
}

/// [`terraform_layer`] on stderr, as the provider installs it.
pub fn terraform_stderr_layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    terraform_layer(std::io::stderr)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// A writer that keeps what it is given.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Captured {
            self.clone()
        }
    }

    fn captured(f: impl FnOnce()) -> String {
        let out = Captured::default();
        let subscriber = tracing_subscriber::registry().with(terraform_layer(out.clone()));
        tracing::subscriber::with_default(subscriber, f);
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_vanished_resource_is_a_warn_line_go_plugin_files_as_such() {
        let arn = "arn:aws:personalize:us-east-1:123456789012:campaign/c";
        let logged = captured(|| removing_from_state("Campaign", arn));
        assert_eq!(
            logged,
            format!("[WARN] Personalize Campaign ({arn}) not found, removing from state\n")
        );
    }

    #[test]
    fn only_the_providers_own_debug_lines_and_the_sdks_retries_pass() {
        let logged = captured(|| {
            tracing::debug!("waiting");
            tracing::debug!(target: "aws_smithy_runtime::client::retries::strategy", "retrying");
            tracing::debug!(target: "hyper", "noise");
            tracing::info!(target: "h2", "more noise");
            tracing::warn!(target: "h2", "a problem");
        });
        assert_eq!(
            logged,
            "[DEBUG] waiting\n[DEBUG] retrying\n[WARN] a problem\n"
        );
    }
}
