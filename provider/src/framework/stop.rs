//! The provider-wide stop signal, and the two ways Terraform asks for it.
//!
//! 1. **Signals.** On Ctrl-C in a terminal the whole process group (Terraform and its
//!    providers) receives SIGINT, and a Rust process dies on it by default: a create in
//!    progress would then be lost from state, orphaning a billed resource. So `main` routes
//!    SIGINT (and SIGTERM) here.
//! 2. **StopProvider.** When Terraform alone is interrupted (a CI runner or Terraform Cloud
//!    signals the `terraform` process, not a terminal's process group), the provider receives
//!    no signal: Terraform sends the gRPC call StopProvider instead. tf-provider 0.2.2 answers it
//!    by shutting its server down gracefully, which lets in-flight calls run to their end and
//!    tells the provider nothing. Its server is wrapped in tower-http's `TraceLayer`, though,
//!    whose `request` span carries the call's URI, so [`stop_provider_layer`], a `tracing`
//!    layer installed by `main`, sees `/tfplugin6.Provider/StopProvider` arrive and requests the
//!    stop.
//!
//! Either way every wait returns "interrupted" at once, with the ARN already recorded, so
//! Terraform saves the resource as tainted.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use tokio::sync::Notify;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, Filtered};
use tracing_subscriber::layer::{Context, Layer};

static STOPPED: AtomicBool = AtomicBool::new(false);

fn notify() -> &'static Notify {
    static NOTIFY: OnceLock<Notify> = OnceLock::new();
    NOTIFY.get_or_init(Notify::new)
}

/// Asks every wait in progress (and any later one) to stop.
pub fn request() {
    STOPPED.store(true, Ordering::SeqCst);
    notify().notify_waiters();
}

/// Whether a stop was requested.
pub fn is_requested() -> bool {
    STOPPED.load(Ordering::SeqCst)
}

/// Completes once a stop is requested.
pub async fn requested() {
    loop {
        let notified = notify().notified();
        if is_requested() {
            return;
        }
        notified.await;
    }
}

/// Path of Terraform's StopProvider call in plugin protocol 6 (gRPC method
/// `tfplugin6.Provider/StopProvider`).
pub const STOP_PROVIDER_PATH: &str = "/tfplugin6.Provider/StopProvider";

/// Target of the span tower-http's `TraceLayer` opens for every request it serves.
const TRACE_SPAN_TARGET: &str = "tower_http::trace::make_span";

/// Whether a callsite is tower-http's per-request span (the only one the layer looks at, so
/// no other span or event of the process is even recorded on its account).
fn is_request_span(meta: &Metadata<'_>) -> bool {
    meta.is_span() && meta.name() == "request" && meta.target() == TRACE_SPAN_TARGET
}

/// Watches tower-http's request spans and calls `on_stop` when one is a StopProvider call.
#[derive(Debug, Clone, Copy)]
pub struct StopProviderLayer {
    on_stop: fn(),
}

impl StopProviderLayer {
    /// A layer that runs `on_stop` for every StopProvider call.
    pub fn new(on_stop: fn()) -> Self {
        Self { on_stop }
    }
}

/// Collects a span's `uri` field.
struct Uri(Option<String>);

impl Visit for Uri {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "uri" {
            self.0 = Some(value.to_owned());
        }
    }

    // tower-http records the URI with `%` (Display), which reaches visitors as `record_debug`.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "uri" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

/// Whether a request URI (a bare path, or a full `http://host:port/path`) is StopProvider.
fn is_stop_provider(uri: &str) -> bool {
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    path.ends_with(STOP_PROVIDER_PATH)
}

impl<S: Subscriber> Layer<S> for StopProviderLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let mut uri = Uri(None);
        attrs.record(&mut uri);
        if uri.0.as_deref().is_some_and(is_stop_provider) {
            (self.on_stop)();
        }
    }
}

/// The layer `main` installs: a StopProvider call requests the stop, like a first SIGINT.
pub fn stop_provider_layer<S>(
) -> Filtered<StopProviderLayer, impl tracing_subscriber::layer::Filter<S>, S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    StopProviderLayer::new(|| {
        // Terraform logs a provider's stderr; tests use this line to sequence their checks.
        eprintln!("StopProvider received: waits in progress end now");
        request();
    })
    .with_filter(filter_fn(is_request_span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use tracing_subscriber::layer::SubscriberExt;

    static SEEN: AtomicUsize = AtomicUsize::new(0);

    fn count() {
        SEEN.fetch_add(1, Ordering::SeqCst);
    }

    fn request_span(uri: &str) {
        let _span = tracing::span!(
            target: "tower_http::trace::make_span",
            tracing::Level::DEBUG,
            "request",
            method = %"POST",
            uri = %uri,
        );
    }

    #[test]
    fn only_a_stop_provider_request_span_counts() {
        let subscriber = tracing_subscriber::registry()
            .with(StopProviderLayer::new(count).with_filter(filter_fn(is_request_span)));
        tracing::subscriber::with_default(subscriber, || {
            request_span("/tfplugin6.Provider/ApplyResourceChange");
            request_span("/tfplugin6.Provider/StopProviderX");
            request_span("/plugin.GRPCController/Shutdown");
            // Same URI, but not tower-http's span: not a request Terraform made.
            let _other = tracing::info_span!("request", uri = %STOP_PROVIDER_PATH);
            assert_eq!(SEEN.load(Ordering::SeqCst), 0);
            request_span("http://127.0.0.1:1234/tfplugin6.Provider/StopProvider");
            request_span(STOP_PROVIDER_PATH);
        });
        assert_eq!(SEEN.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn stop_provider_paths() {
        assert!(is_stop_provider("/tfplugin6.Provider/StopProvider"));
        assert!(is_stop_provider(
            "https://127.0.0.1:9/tfplugin6.Provider/StopProvider?x=1"
        ));
        assert!(!is_stop_provider("/tfplugin5.Provider/StopProviderNot"));
        assert!(!is_stop_provider("/tfplugin6.Provider/StopProvider/extra"));
        assert!(!is_stop_provider(""));
    }
}
