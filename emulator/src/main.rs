//! `personalize-local`: parses the command line and serves. The first line on stdout is the
//! bound address (`127.0.0.1:PORT`); logs go to stderr.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use personalize_local::sigv4::Credentials;
use personalize_local::{Config, FaultKind, Faults};

#[derive(Parser, Debug)]
#[command(
    version,
    about = "A Personalize-compatible emulator: control plane, personalize-events and personalize-runtime on one endpoint, with a real recommender."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve until SIGINT or SIGTERM.
    Serve(Serve),
}

#[derive(clap::Args, Debug)]
struct Serve {
    /// Address to listen on; port 0 picks a free port. The first line on stdout is the bound
    /// address, e.g. `127.0.0.1:41234`.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Persist resources, imported data, events and models in an embedded database in this
    /// directory (created if missing). Without it, state lives in memory only.
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Jobs read `s3://BUCKET/KEY` from `DIR/BUCKET/KEY` instead of S3 (imports, batch
    /// inference input, data deletion lists) and write there (batch output, dataset exports).
    #[arg(long)]
    data_root: Option<PathBuf>,
    /// S3 endpoint jobs read from and write to (path-style addressing), e.g. a moto server.
    #[arg(long)]
    s3_endpoint: Option<String>,
    /// Account id in every ARN.
    #[arg(long, default_value = "123456789012")]
    account_id: String,
    /// Every lifecycle stage completes at once: Create/Delete calls return once the resource is
    /// ACTIVE (or CREATE FAILED) or gone.
    #[arg(long)]
    instant: bool,
    /// Duration of each lifecycle stage without --instant, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    stage_delay_ms: u64,
    /// Share (0.0 to 1.0) of PutEvents calls answered with an injected fault (nothing stored).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    fault_put_events: f64,
    /// Share (0.0 to 1.0) of GetRecommendations / GetPersonalizedRanking calls answered with an
    /// injected fault.
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    fault_get_recommendations: f64,
    /// The injected fault: `throttling` (ThrottlingException, HTTP 400) or `internal`
    /// (InternalFailure, HTTP 500).
    #[arg(long, default_value = "throttling")]
    fault_kind: FaultKind,
    /// Seed of the fault draw, for reproducible runs.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// Enforce Personalize's quotas, as AWS does: a training needs 1,000 unique
    /// interactions (after event type and value filtering) and 25 users with 2 or more
    /// (1% of all users at least); an interactions import job needs 1,000 records; resource
    /// counts (e.g. 5 active campaigns per region, 10 filters per account) and request rates
    /// (PutEvents 1,000/s; GetRecommendations 500/s per campaign, 2,500/s in all).
    #[arg(long)]
    strict_quotas: bool,
    /// Seconds between publications of the events PutEvents stored as metric attribution
    /// reports (`AggregatedAttributionMetrics - PutEvents - ...csv` under the attribution's
    /// S3 path); 0 never publishes them (import jobs still publish their own).
    #[arg(long, default_value_t = 900)]
    metric_report_interval_secs: u64,
    /// Verify the SigV4 signature of every request (control plane, events, runtime) against
    /// the accepted credentials, as AWS does: a missing, malformed or wrong signature, an
    /// unknown access key id or a request time more than 15 minutes off answers HTTP 403
    /// (MissingAuthenticationTokenException, IncompleteSignatureException,
    /// InvalidSignatureException, UnrecognizedClientException). The accepted credentials are
    /// those of --credentials plus, when both are set, AWS_ACCESS_KEY_ID and
    /// AWS_SECRET_ACCESS_KEY of this process; refused at startup with none.
    #[arg(long)]
    verify_sigv4: bool,
    /// An accepted credential for --verify-sigv4, `ACCESS_KEY_ID:SECRET_ACCESS_KEY`
    /// (repeatable).
    #[arg(long = "credentials", value_name = "ACCESS_KEY_ID:SECRET", requires = "verify_sigv4", value_parser = credential_pair)]
    credentials: Vec<(String, String)>,
}

fn credential_pair(s: &str) -> Result<(String, String), String> {
    Credentials::parse_pair(s)
}

/// The credentials `--verify-sigv4` accepts: each `--credentials` pair, and the
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` pair of the environment when both are set.
fn accepted_credentials(
    pairs: &[(String, String)],
    env_id: Option<String>,
    env_secret: Option<String>,
) -> anyhow::Result<Credentials> {
    let mut credentials = Credentials::new();
    for (id, secret) in pairs {
        credentials
            .insert(id, secret)
            .map_err(|e| anyhow::anyhow!("--credentials: {e}"))?;
    }
    match (
        env_id.filter(|v| !v.is_empty()),
        env_secret.filter(|v| !v.is_empty()),
    ) {
        (Some(id), Some(secret)) => credentials
            .insert(&id, &secret)
            .map_err(|e| anyhow::anyhow!("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: {e}"))?,
        (Some(_), None) => anyhow::bail!(
            "--verify-sigv4: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
        ),
        (None, Some(_)) => anyhow::bail!(
            "--verify-sigv4: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
        ),
        (None, None) => {}
    }
    if credentials.is_empty() {
        anyhow::bail!(
            "--verify-sigv4 needs at least one credential to accept: give --credentials ACCESS_KEY_ID:SECRET or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        );
    }
    Ok(credentials)
}

fn share(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0.0 and 1.0"))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "personalize_local=info".into()),
        )
        .init();
    let Command::Serve(args) = Cli::parse().command;
    let verify_sigv4 = if args.verify_sigv4 {
        let credentials = accepted_credentials(
            &args.credentials,
            std::env::var("AWS_ACCESS_KEY_ID").ok(),
            std::env::var("AWS_SECRET_ACCESS_KEY").ok(),
        )?;
        tracing::info!(
            access_keys = credentials.len(),
            "verifying SigV4 signatures"
        );
        Some(credentials)
    } else {
        None
    };
    let config = Config {
        verify_sigv4,
        account_id: args.account_id,
        instant: args.instant,
        stage_delay: Duration::from_millis(args.stage_delay_ms),
        state_dir: args.state_dir,
        data_root: args.data_root,
        s3_endpoint: args.s3_endpoint,
        faults: Faults {
            put_events: args.fault_put_events,
            get_recommendations: args.fault_get_recommendations,
            kind: args.fault_kind,
            seed: args.fault_seed,
        },
        strict_quotas: args.strict_quotas,
        metric_report_interval: Duration::from_secs(args.metric_report_interval_secs),
        ..Config::default()
    };
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, "personalize-local listening");
    personalize_local::serve(listener, config, shutdown).await
}

/// Installs the SIGINT/SIGTERM handlers now (before the address is announced, so a signal
/// sent right after it is never missed) and returns the future that completes on either.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
}
