//! `terraform-provider-personalize`: started by Terraform, serves plugin protocol 6.

use terraform_provider_personalize::framework::{log, stop};
use terraform_provider_personalize::provider::PersonalizeProvider;

fn main() -> anyhow::Result<()> {
    // Terraform starts the provider without arguments; a person asks which release it is.
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!(
            "terraform-provider-personalize {}",
            env!("CARGO_PKG_VERSION")
        );
        return Ok(());
    }
    // tf-provider captures a backtrace into every diagnostic when backtraces are enabled
    // (RUST_BACKTRACE set for a test run, say); users must see the message, not a stack.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    install_tracing()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve())
}

/// The provider's one `tracing` subscriber: the StopProvider watcher, the log lines Terraform
/// shows with `TF_LOG` (see `framework::log`), and (as tf-provider does
/// when `PLUGIN_LOG_FILE` names a file) every event at TRACE level into that file. tf-provider
/// would install its own global subscriber for `PLUGIN_LOG_FILE` and fail because this one is
/// already there, so the variable is taken over here and removed before `serve`.
fn install_tracing() -> anyhow::Result<()> {
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::Layer;

    let log_file = match std::env::var_os("PLUGIN_LOG_FILE") {
        Some(path) => {
            std::env::remove_var("PLUGIN_LOG_FILE");
            let file = std::fs::File::create(&path).map_err(|e| {
                anyhow::anyhow!(
                    "PLUGIN_LOG_FILE {}: {e}",
                    std::path::Path::new(&path).display()
                )
            })?;
            Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(std::sync::Mutex::new(file))
                    .with_filter(LevelFilter::TRACE),
            )
        }
        None => None,
    };
    let subscriber = tracing_subscriber::registry()
        .with(stop::stop_provider_layer())
        .with(log::terraform_stderr_layer())
        .with(log_file);
    tracing::subscriber::set_global_default(subscriber)?;
    Ok(())
}

async fn serve() -> anyhow::Result<()> {
    // Ctrl-C reaches the provider too (same process group as Terraform): the first SIGINT or
    // SIGTERM becomes a stop request instead of death, so resources being created still reach
    // the state. A second one exits at once, as a second Ctrl-C does for Terraform itself.
    tokio::spawn(async {
        // SIGTERM exists on Unix only; on Windows Ctrl-C alone stops the waits.
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        #[cfg(not(unix))]
        let mut term: Option<tokio::sync::mpsc::Receiver<()>> = None;
        for first in [true, false] {
            let terminated = async {
                match term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                () = terminated => {}
            }
            if first {
                // Terraform logs a provider's stderr; tests use this line to sequence signals.
                eprintln!("stop requested: waits in progress end now; a second signal exits");
                stop::request();
            } else {
                eprintln!("second stop signal: exiting");
                std::process::exit(130);
            }
        }
    });
    tf_provider::serve(
        terraform_provider_personalize::NAME,
        PersonalizeProvider::new(),
    )
    .await
}
