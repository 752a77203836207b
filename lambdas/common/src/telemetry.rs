//! Tracing set up for CloudWatch Logs: JSON lines when the function's log format is JSON
//! (`AWS_LAMBDA_LOG_FORMAT=JSON`), plain text otherwise; level from `AWS_LAMBDA_LOG_LEVEL` or
//! `RUST_LOG` (default `info`). No ANSI colours and no timestamps of our own in text mode
//! (CloudWatch stamps every line).

use tracing_subscriber::EnvFilter;

/// What a function's `main` calls first: `bootstrap --version` prints `function version` and
/// exits; otherwise the subscriber is installed ([`init`]) and the cold start logs the release
/// it runs (`version`, the workspace version all Lambdas, the provider and the modules share).
pub fn start(function: &str, version: &str) {
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!("{function} {version}");
        std::process::exit(0);
    }
    init();
    tracing::info!(function, version, "starting");
}

/// Installs the global subscriber; a second call is a no-op.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned());
    let filter =
        EnvFilter::try_new(level.to_ascii_lowercase()).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(false);
    // `try_init` fails only when a subscriber is already set (tests, the local stack).
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    } else {
        builder.without_time().try_init()
    };
}
