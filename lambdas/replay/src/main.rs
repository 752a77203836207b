//! `personalize-replay` (run through `cargo xtask replay`): sends the events the pipeline kept
//! (the ingest mapping's S3 on-failure destination, or the Firehose archive) to Personalize
//! again, through the ingest handler, idempotently. The work is `ingest::replay`'s; this is
//! its command line. It is a binary of its own so that xtask never links the AWS SDKs.
//!
//! AWS settings come from the standard chain (`AWS_PROFILE`, `AWS_REGION`, ...), endpoints
//! from `AWS_ENDPOINT_URL` or the per-service `AWS_ENDPOINT_URL_S3` and
//! `AWS_ENDPOINT_URL_PERSONALIZE_EVENTS` (an S3 endpoint set that way is addressed path-style,
//! as S3-compatible stores want).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{ArgGroup, Parser};
use ingest::replay::{Counts, FileQueue, Location, Objects, Replay, S3Objects, Source};
use ingest::{CallLimits, Config, DeadLetterQueue, Ingest, PersonalizeSink, SqsQueue};

/// Send the events kept in the ingest mapping's S3 on-failure destination, or in the
/// archive, to Personalize again. Idempotent: every event keeps its eventId, and Personalize
/// leaves repeats out of training.
#[derive(Debug, Parser)]
#[command(name = "personalize-replay", version)]
#[command(group(ArgGroup::new("source").required(true).args(["failures", "archive"])))]
#[command(group(ArgGroup::new("letters").args(["dlq_url", "dead_letters"])))]
struct ReplayArgs {
    /// The ingest mapping's S3 on-failure destination: the pipeline module's
    /// `replay_failures_url` output (s3://BUCKET/aws/lambda/), or a part of it.
    #[arg(long, value_name = "S3_URL")]
    failures: Option<Location>,
    /// The Firehose archive: the pipeline module's `replay_archive_url` output, or a time
    /// slice of it (e.g. .../year=2026/month=11/day=30/).
    #[arg(long, value_name = "S3_URL")]
    archive: Option<Location>,
    /// The event tracker's tracking id (the pipeline module's `tracking_id` input).
    #[arg(long, env = "TRACKING_ID", hide_env_values = true)]
    tracking_id: String,
    /// Start after this key (the one a stopped replay names), instead of at the first.
    #[arg(long, value_name = "KEY")]
    start_after: Option<String>,
    /// Send dead letters to this SQS queue (the pipeline's dead-letter queue).
    #[arg(long, value_name = "URL")]
    dlq_url: Option<String>,
    /// Append dead letters to this file, one JSON object a line (the default, as
    /// replay-dead-letters.jsonl, when no --dlq-url is given).
    #[arg(long, value_name = "PATH")]
    dead_letters: Option<std::path::PathBuf>,
    /// PutEvents calls in flight.
    #[arg(long, default_value_t = ingest::DEFAULT_CONCURRENCY as u16,
          value_parser = clap::value_parser!(u16).range(1..=ingest::MAX_CONCURRENCY as i64))]
    concurrency: u16,
    /// Read and count only: nothing is sent.
    #[arg(long)]
    dry_run: bool,
    /// AWS region (default: the standard chain's).
    #[arg(long)]
    region: Option<String>,
    /// Named AWS profile.
    #[arg(long)]
    profile: Option<String>,
}

fn main() -> ExitCode {
    match replay(&ReplayArgs::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("replay: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the replay and prints progress to stderr.
fn replay(args: &ReplayArgs) -> anyhow::Result<()> {
    let tracking_id = args.tracking_id.trim();
    if tracking_id.is_empty() || tracking_id.len() > 256 {
        bail!("--tracking-id must be 1 to 256 characters");
    }
    let (source, location) = match (&args.failures, &args.archive) {
        (Some(l), None) => (Source::Failures, l),
        (None, Some(l)) => (Source::Archive, l),
        _ => bail!("give exactly one of --failures and --archive"),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .try_init()
        .ok();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let sdk = sdk_config::load(&sdk_config::Settings {
            region: args.region.clone(),
            profile: args.profile.clone(),
            ..sdk_config::Settings::default()
        })
        .await;
        let path_style = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(path_style)
                .build(),
        );
        let objects = S3Objects::new(s3);
        let mut config = Config::new(tracking_id, args.dlq_url.clone().unwrap_or_default());
        config.concurrency = usize::from(args.concurrency);
        let sink = PersonalizeSink::from_sdk(&sdk, CallLimits::default());
        eprintln!(
            "replay: replaying the {source} at {location}{}",
            if args.dry_run {
                " (dry run: nothing is sent)"
            } else {
                ""
            }
        );
        let dlq: Box<dyn DeadLetterQueue> = match &args.dlq_url {
            Some(url) => {
                eprintln!("replay: dead letters go to {url}");
                Box::new(SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), url))
            }
            None => {
                let path = args
                    .dead_letters
                    .clone()
                    .unwrap_or_else(|| "replay-dead-letters.jsonl".into());
                eprintln!("replay: dead letters go to {}", path.display());
                Box::new(FileQueue::new(path))
            }
        };
        let ingest = Ingest::new(config, sink, dlq);
        run(&ingest, &objects, args, source, location).await
    })
}

async fn run(
    ingest: &Ingest<PersonalizeSink, Box<dyn DeadLetterQueue>>,
    objects: &impl Objects,
    args: &ReplayArgs,
    source: Source,
    location: &Location,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut total = Counts::default();
    let done = Replay::new(ingest, objects)
        .dry_run(args.dry_run)
        .run(
            source,
            location,
            args.start_after.as_deref(),
            |key, counts| {
                total.objects += counts.objects;
                eprintln!(
                    "replay: {key}: {} records, {} events, {} PutEvents calls, {} dead letters \
                 ({} objects in {:.0?})",
                    counts.records,
                    counts.events,
                    counts.put_calls,
                    counts.dead_letters,
                    total.objects,
                    started.elapsed()
                );
            },
        )
        .await?;
    eprintln!("replay: replay done in {:.1?}: {done}", started.elapsed());
    if done.objects == 0 {
        eprintln!("replay: nothing to replay under {location}");
    }
    Ok(())
}
