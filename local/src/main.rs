//! `local-stack`:
//! - `serve`: serves the project's Lambda functions as API Gateway, a Kinesis event source
//!   mapping and Firehose would, against moto and personalize-local, configured from the
//!   Terraform outputs of `examples/local`. Prints the API's base URL as its first stdout
//!   line and runs until SIGINT or SIGTERM, then stops gracefully (the archive is flushed).
//! - `demo`: the whole walkthrough in one command (what `cargo xtask demo` runs).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use local_stack::authorizer::Authorizer;
use local_stack::config::StackConfig;
use local_stack::{functions, resources, stack};

#[derive(Debug, Parser)]
#[command(
    name = "local-stack",
    version,
    about = "The pipeline's Lambda functions served locally, as AWS wires them"
)]
enum Cli {
    /// Serve the API, the Kinesis mapping and the archiver.
    Serve(Args),
    /// Play the whole walkthrough: moto, personalize-local, terraform apply, the stack, the
    /// calls, teardown.
    Demo(DemoArgs),
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// The workspace root (holding examples/local and examples/movies/data).
    #[arg(long)]
    root: PathBuf,
    /// Directory of the built binaries.
    #[arg(long)]
    bin_dir: PathBuf,
    /// Logs, emulator state, Terraform data and state.
    #[arg(long)]
    work_dir: PathBuf,
    /// Leave the stack running and print how to use and stop it.
    #[arg(long, conflicts_with = "stop")]
    keep_running: bool,
    /// Stop a demo left running.
    #[arg(long)]
    stop: bool,
    /// Emulator lifecycles complete at once.
    #[arg(long)]
    instant: bool,
    /// Duration of each emulator lifecycle stage, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    stage_delay_ms: u64,
    /// The walkthrough on a VIDEO_ON_DEMAND domain dataset group: recommenders (top picks,
    /// more like X, because you watched X) instead of the campaign, and the item-to-item routes.
    #[arg(long, conflicts_with = "stop")]
    domain: bool,
}

#[derive(Debug, clap::Args)]
struct Args {
    /// A file holding `terraform output -json` of examples/local.
    #[arg(
        long,
        conflicts_with = "terraform_dir",
        required_unless_present = "terraform_dir"
    )]
    outputs: Option<PathBuf>,
    /// Run `terraform output -json` in this directory (examples/local) instead.
    #[arg(long)]
    terraform_dir: Option<PathBuf>,
    /// Address of the API; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The authorizer's signing key (base64), created with a random key when missing; whoever
    /// reads it can issue tokens (the demo does). Without it the key exists only in memory.
    #[arg(long)]
    signing_key_file: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("local-stack: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match cli {
        Cli::Serve(args) => runtime.block_on(run(args)),
        Cli::Demo(args) => runtime.block_on(demo(args)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local-stack: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let config = match (&args.outputs, &args.terraform_dir) {
        (Some(file), _) => StackConfig::from_file(file)?,
        (None, Some(dir)) => {
            let mut command = std::process::Command::new("terraform");
            command.current_dir(dir);
            StackConfig::from_terraform(command)?
        }
        (None, None) => anyhow::bail!("give --outputs FILE or --terraform-dir DIR"),
    };
    let key = match &args.signing_key_file {
        Some(path) => Authorizer::load_or_create_key(path)?,
        None => {
            tracing::warn!("no --signing-key-file: the authorizer's key exists only in memory, so no token can be issued for this API");
            Authorizer::random_key()
        }
    };
    let authorizer = Authorizer::new(key, &config.region, &config.name_prefix)?;
    let aws = resources::AwsClients::new(&config);
    let resources = resources::ensure(&config, &aws).await?;
    let functions = functions::build(&config, &resources)?;
    let options = stack::Options {
        listen: args.listen,
        authorizer: Some(authorizer),
        ..stack::Options::default()
    };
    let running = stack::start_with(&config, &aws, resources, functions, options).await?;
    // The first stdout line is the API's base URL: the demo and scripts wait for it.
    println!("{}", running.base_url());
    tracing::info!(api = %running.base_url(), stream = %config.stream_name, "local stack up");
    shutdown_signal().await;
    tracing::info!("stopping");
    running.stop().await
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    if args.stop {
        return local_stack::demo::stop(&args.work_dir, true).await;
    }
    let terraform = devenv::terraform::find()?;
    println!("==> using {terraform}");
    let report = local_stack::demo::run(local_stack::demo::DemoOptions {
        root: args.root,
        bin_dir: args.bin_dir,
        work_dir: args.work_dir,
        terraform: terraform.executable,
        instant: args.instant,
        stage_delay: std::time::Duration::from_millis(args.stage_delay_ms),
        keep_running: args.keep_running,
        verbose: true,
        handle_ctrl_c: true,
        live_check: None,
        domain: args.domain,
    })
    .await?;
    println!(
        "\n==> the walkthrough took {:.1} s; {} changed {:.2} s after the clicks",
        report.total.as_secs_f64(),
        if report.domain {
            "top picks"
        } else {
            "recommendations"
        },
        report.latency.as_secs_f64()
    );
    Ok(())
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
