//! `cargo xtask <task>`: the project's tasks, written in Rust so they run wherever cargo does.
//!
//! - `test`: checks formatting, unused dependencies, clippy and rustdoc (warnings denied), builds
//!   every binary and test of the workspace, then runs every test (`cargo test --workspace`). End-to-end tests run the binaries (emulator, provider, local stack) as real
//!   processes, so they are built first, once, into the shared target directory.
//! - `demo`: the local walkthrough (see `xtask/src/demo.rs`).
//! - `dist-lambdas`: the Lambda zips (see `xtask/src/dist_lambdas.rs`).
//! - `dist-provider`: the provider's release zips and filesystem mirror (see
//!   `xtask/src/dist_provider.rs`).
//! - `release VERSION`: version, CHANGELOG section, artifacts, commit and tag (see
//!   `xtask/src/release.rs`); `release-notes VERSION` prints a released CHANGELOG section.
//! - `replay ARGS`: builds `personalize-replay` (`lambdas/replay`) and hands over to it: it
//!   sends the events kept in the ingest mapping's S3 on-failure destination or in the archive
//!   to Personalize again, idempotently.
//! - `movies-domain-data [--out DIR]`: the walkthrough's data in the VIDEO_ON_DEMAND format
//!   (`devenv::movies_domain`), the files `examples/movies-domain` uploads (default
//!   `target/movies-domain-data`).
//! - `bootstrap`: prepares what the tests use from outside Rust (the Python venv, a Terraform,
//!   the hashicorp/aws schema) and reports what it found.

use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use devenv::{aws_schema, python, terraform};

mod demo;
mod dist_lambdas;
mod dist_provider;
mod hygiene;
mod release;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "Project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build every binary, then run every test of the workspace.
    Test {
        /// Extra arguments for `cargo test` (e.g. a test name filter after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Create the Python venv and find Terraform; print what will be used.
    Bootstrap,
    /// The whole walkthrough on this machine: build, start moto and personalize-local,
    /// terraform apply examples/local, serve the Lambdas, play the calls, tear down.
    Demo(demo::DemoArgs),
    /// Build the Lambda zips: `target/dist/lambda/<function>-<arm64|x86_64>.zip`.
    DistLambdas(dist_lambdas::DistArgs),
    /// Build the provider's release zips, SHA256SUMS, manifest and filesystem mirror:
    /// target/dist/provider/{release,mirror}.
    DistProvider(dist_provider::DistArgs),
    /// Release VERSION: check, write the version and the CHANGELOG section, build the
    /// provider and Lambda artifacts, commit, tag vVERSION.
    Release(release::ReleaseArgs),
    /// Send the events kept in the ingest mapping's S3 on-failure destination, or in the
    /// archive, to Personalize again (builds personalize-replay and hands ARGS to it; `cargo
    /// xtask replay --help` shows its options).
    #[command(disable_help_flag = true)]
    Replay {
        /// The arguments of personalize-replay.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Write the walkthrough's data in the VIDEO_ON_DEMAND format (interactions.csv,
    /// items.csv), the files examples/movies-domain uploads.
    MoviesDomainData {
        /// Where to write them.
        #[arg(long, default_value_os_t = devenv::paths::target_dir().join("movies-domain-data"))]
        out: std::path::PathBuf,
    },
    /// Print the CHANGELOG section of a released VERSION (the release workflow's notes).
    ReleaseNotes {
        /// A version with a section in CHANGELOG.md, e.g. 0.1.0.
        version: String,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.task {
        Task::Test { args } => test(&args),
        Task::Bootstrap => bootstrap(),
        Task::Demo(args) => demo::demo(&args),
        Task::DistLambdas(args) => dist_lambdas::dist_lambdas(&args).map(drop),
        Task::DistProvider(args) => dist_provider::dist_provider(&args).map(drop),
        Task::Release(args) => release::release(&args),
        Task::Replay { args } => replay(&args),
        Task::MoviesDomainData { out } => {
            let from = devenv::paths::project_file("examples/movies/data");
            devenv::movies_domain::convert_dir(&from, &out)?;
            eprintln!(
                "xtask: {} written in {}",
                devenv::movies_domain::FILES
                    .map(|(name, _)| name)
                    .join(", "),
                out.display()
            );
            Ok(())
        }
        Task::ReleaseNotes { version } => {
            print!("{}", release::notes(&version)?);
            Ok(())
        }
    }
}

fn test(args: &[String]) -> anyhow::Result<()> {
    let started = Instant::now();
    step("checking formatting", || {
        cargo(&["fmt", "--all", "--check"])
    })?;
    let root = devenv::paths::workspace_root();
    step("checking for unused dependencies", || {
        hygiene::unused_dependencies(&root)
    })?;
    step("linting the GitHub Actions workflows", || {
        hygiene::workflows(&root)
    })?;
    step("clippy, warnings denied", hygiene::clippy)?;
    step("rustdoc, warnings denied", hygiene::rustdoc)?;
    // Binaries and tests in one build, so both share one feature resolution: a plain `--bins`
    // build leaves dev-dependency features out, and `cargo test` would then rebuild part of
    // the dependency tree.
    step("building every binary and test", || {
        cargo(&["build", "--workspace", "--bins", "--tests"])
    })?;
    step("preparing the Python venv and Terraform", bootstrap)?;
    let mut test_args = vec!["test", "--workspace"];
    test_args.extend(args.iter().map(String::as_str));
    step("running every test", || cargo(&test_args))?;
    eprintln!("xtask: all tests passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Builds `personalize-replay` and replaces this process with it, so its exit status and a
/// Ctrl-C are the replay's own.
fn replay(args: &[String]) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    cargo(&["build", "--quiet", "--package", "replay"])?;
    let binary = devenv::paths::workspace_bin("personalize-replay")?;
    let error = Command::new(&binary).args(args).exec();
    Err(error).with_context(|| format!("starting {}", binary.display()))
}

fn bootstrap() -> anyhow::Result<()> {
    let venv = python::venv()?;
    eprintln!("xtask: Python venv {}", venv.dir().display());
    let tf = terraform::find()?;
    eprintln!("xtask: {tf}");
    let schema = aws_schema::schema()?;
    eprintln!(
        "xtask: hashicorp/aws {} schema ({} {}) in {}",
        schema.provider_version,
        aws_schema::PACKAGE,
        aws_schema::VERSION,
        aws_schema::cache_path().display()
    );
    Ok(())
}

fn step(what: &str, f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    eprintln!("xtask: {what}...");
    let started = Instant::now();
    f().with_context(|| what.to_owned())?;
    eprintln!("xtask: {what}: done in {:.1?}", started.elapsed());
    Ok(())
}

fn cargo(args: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(args)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
