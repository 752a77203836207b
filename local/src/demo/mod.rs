//! The one-command demo of the whole walkthrough, also run by the end-to-end test: moto and
//! personalize-local started, the data uploaded, `terraform apply` on `examples/local`, the
//! local stack started, the walkthrough played over HTTP, then everything torn down (also on
//! Ctrl-C or failure), each step timed. With `domain` the same walkthrough runs on a
//! VIDEO_ON_DEMAND domain dataset group: the data converted to the domain's format, one
//! recommender per use case instead of the campaign, and the recommend Lambda's item-to-item
//! routes asked too. With `keep_running` the stack stays up and a state
//! file lets [`stop`] tear it down later.
//!
//! - [`infra`]: the processes, the upload and Terraform.
//! - [`walk`]: the HTTP walkthrough and its checks.
//! - [`keep`]: a demo left running (`--keep-running`), its state file, and [`stop`].

pub mod infra;
pub mod keep;
pub mod walk;

pub use infra::leftovers;
pub use keep::{signing_key_file, state_file, stop};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::json;

use crate::authorizer::Authorizer;
use crate::config::StackConfig;
use crate::resources::AwsClients;
use devenv::process::detachable::Process;
use infra::{EmulatorOptions, Terraform};

/// The bucket the example imports from (its `bucket_name` default).
pub const BUCKET: &str = "movies-local-data";
/// Region of the demo.
pub const REGION: &str = "us-east-1";

/// The user whose token the demo issues (the walkthrough's user).
pub const DEMO_USER: &str = walk::USER;
/// How long the demo's token stays valid: a working day of `--keep-running`.
pub const TOKEN_TTL_SECONDS: i64 = 8 * 3600;

/// What a live check gets: the API's base URL and its authorizer (to issue tokens).
#[derive(Debug, Clone)]
pub struct LiveStack {
    /// The API's base URL, stage included.
    pub base_url: String,
    /// The authorizer the stack enforces.
    pub authorizer: Authorizer,
    /// The stack's configuration (campaign, stream...).
    pub config: StackConfig,
}

/// A check run against the live stack before teardown (the end-to-end test replays the
/// bad-input and authorization catalogues with it).
pub type LiveCheck = Box<dyn FnOnce(LiveStack) -> BoxFuture<'static, anyhow::Result<()>> + Send>;

/// How to run the demo.
pub struct DemoOptions {
    /// The workspace root (for `examples/local` and the data).
    pub root: PathBuf,
    /// Directory of the built binaries (`personalize-local`, `local-stack`,
    /// `terraform-provider-personalize`).
    pub bin_dir: PathBuf,
    /// Where logs, the emulator state, Terraform's data and state go.
    pub work_dir: PathBuf,
    /// The Terraform to run.
    pub terraform: PathBuf,
    /// Emulator lifecycles complete at once.
    pub instant: bool,
    /// Duration of each lifecycle stage otherwise.
    pub stage_delay: Duration,
    /// Leave the stack running and write the state file for [`stop`].
    pub keep_running: bool,
    /// Print the walkthrough and the steps.
    pub verbose: bool,
    /// Tear down on Ctrl-C.
    pub handle_ctrl_c: bool,
    /// Run against the live stack before teardown.
    pub live_check: Option<LiveCheck>,
    /// The VIDEO_ON_DEMAND variant: recommenders (top picks, more like X, because you watched
    /// X) on the domain's data instead of the campaign.
    pub domain: bool,
}

impl std::fmt::Debug for DemoOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoOptions")
            .field("work_dir", &self.work_dir)
            .field("instant", &self.instant)
            .field("keep_running", &self.keep_running)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

/// What a demo run did and measured.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    /// Each step and its duration, in order.
    pub steps: Vec<(String, Duration)>,
    /// The API's base URL.
    pub base_url: String,
    /// A ready `Authorization` header (`Authorization: <ID token>`) for user 429.
    pub authorization_header: String,
    /// User 429's recommendations before the clicks.
    pub before: Vec<String>,
    /// And after.
    pub after: Vec<String>,
    /// Whether this was the VIDEO_ON_DEMAND variant.
    pub domain: bool,
    /// With `domain`: `GET /recommendations/because-you-watched?itemId=185` after the clicks.
    pub because_you_watched: Vec<String>,
    /// With `domain`: `GET /recommendations/more-like?itemId=185`.
    pub more_like: Vec<String>,
    /// Mean genre similarity of the lists to item 185, before and after.
    pub affinity: (f64, f64),
    /// How many items of each list are among the 50 items most co-interacted with item 185
    /// (its behavioural neighbourhood), before and after.
    pub neighbourhood: (usize, usize),
    /// From the clicks' POST to the first changed answer of GET /recommendations.
    pub latency: Duration,
    /// Events sent through the API.
    pub events_sent: usize,
    /// Events found in the S3 archive.
    pub events_archived: usize,
    /// Messages in the dead-letter queue.
    pub dlq_messages: usize,
    /// Personalize resources still in the emulator after `terraform destroy`.
    pub leftovers: Vec<String>,
    /// Wall time of the whole run.
    pub total: Duration,
}

/// The processes and Terraform of a run, for teardown.
#[derive(Default)]
pub(crate) struct Running {
    pub(crate) moto: Option<Process>,
    pub(crate) emulator: Option<Process>,
    pub(crate) stack: Option<Process>,
    pub(crate) terraform: Option<Terraform>,
    pub(crate) emulator_url: Option<String>,
}

pub(crate) fn step_start(verbose: bool, what: &str) -> Instant {
    if verbose {
        println!("\n==> {what} ...");
    }
    Instant::now()
}

fn step_end(report: &mut Report, verbose: bool, what: &str, started: Instant) {
    let took = started.elapsed();
    if verbose {
        println!("==> {what}: done in {:.1} s", took.as_secs_f64());
    }
    report.steps.push((what.to_owned(), took));
}

/// Runs the demo; see the module documentation.
///
/// # Errors
/// When a step fails or the run is interrupted; everything started is torn down first, and
/// a teardown failure is reported with the original error.
pub async fn run(mut options: DemoOptions) -> anyhow::Result<Report> {
    let state = state_file(&options.work_dir);
    if state.exists() {
        bail!(
            "a demo is still running (state in {}); stop it first with `cargo xtask demo --stop`",
            state.display()
        );
    }
    let started = Instant::now();
    let mut report = Report {
        domain: options.domain,
        ..Report::default()
    };
    let mut running = Running::default();
    let live_check = options.live_check.take();
    let outcome = {
        let play = play(&options, &mut running, &mut report, live_check);
        tokio::pin!(play);
        tokio::select! {
            outcome = &mut play => outcome,
            () = interrupted(options.handle_ctrl_c) => Err(anyhow::anyhow!("interrupted (Ctrl-C)")),
        }
    };
    if outcome.is_ok() && options.keep_running {
        keep::keep(&options, running, &report)?;
        report.total = started.elapsed();
        return Ok(report);
    }
    if outcome.is_err() && options.verbose {
        println!("\n==> stopping after a failure: tearing everything down");
    }
    let teardown = teardown(&options, &mut running, &mut report).await;
    report.total = started.elapsed();
    if options.verbose {
        print_summary(&report);
    }
    match (outcome, teardown) {
        (Ok(()), Ok(())) => Ok(report),
        (Err(e), Ok(())) => Err(e),
        (Ok(()), Err(t)) => Err(t.context("tearing down")),
        (Err(e), Err(t)) => Err(e.context(format!("and tearing down failed too: {t:#}"))),
    }
}

async fn interrupted(enabled: bool) {
    if enabled && tokio::signal::ctrl_c().await.is_ok() {
        return;
    }
    std::future::pending::<()>().await;
}

async fn play(
    options: &DemoOptions,
    running: &mut Running,
    report: &mut Report,
    live_check: Option<LiveCheck>,
) -> anyhow::Result<()> {
    let verbose = options.verbose;
    let logs = options.work_dir.join("logs");
    std::fs::create_dir_all(&logs)?;

    let what = "starting moto (S3, Kinesis, SQS)";
    let t = step_start(verbose, what);
    let logs_moto = logs.clone();
    let moto = tokio::task::spawn_blocking(move || infra::start_moto(&logs_moto)).await??;
    let moto_url = moto.announced.clone();
    running.moto = Some(moto);
    if verbose {
        println!("    moto at {moto_url}");
    }
    step_end(report, verbose, what, t);

    let what = "starting personalize-local";
    let t = step_start(verbose, what);
    let emulator_options = EmulatorOptions {
        binary: options.bin_dir.join("personalize-local"),
        state_dir: options.work_dir.join("emulator"),
        s3_endpoint: moto_url.clone(),
        instant: options.instant,
        stage_delay: options.stage_delay,
    };
    let logs_emulator = logs.clone();
    let emulator = tokio::task::spawn_blocking(move || {
        infra::start_emulator(&emulator_options, &logs_emulator)
    })
    .await??;
    let emulator_url = emulator.announced.clone();
    running.emulator = Some(emulator);
    running.emulator_url = Some(emulator_url.clone());
    if verbose {
        println!("    personalize-local at {emulator_url}");
    }
    step_end(report, verbose, what, t);

    let what = "uploading the walkthrough data to S3";
    let t = step_start(verbose, what);
    let sdk = sdk_config::local(&moto_url, REGION);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let data_dir = options.root.join("examples/movies/data");
    let version = if options.domain {
        let version = infra::upload_domain_data(&s3, BUCKET, &data_dir).await?;
        if verbose {
            println!("    s3://{BUCKET}/domain/interactions.csv, s3://{BUCKET}/domain/items.csv: the VIDEO_ON_DEMAND format (data version {version})");
        }
        version
    } else {
        let version = infra::upload_data(&s3, BUCKET, &data_dir).await?;
        if verbose {
            println!("    s3://{BUCKET}/interactions.csv, s3://{BUCKET}/item-meta.csv (data version {version})");
        }
        version
    };
    step_end(report, verbose, what, t);

    let what = if options.domain {
        "terraform apply examples/local with domain = VIDEO_ON_DEMAND (our provider against personalize-local)"
    } else {
        "terraform apply examples/local (our provider against personalize-local)"
    };
    let t = step_start(verbose, what);
    let mut terraform = Terraform::new(
        options.terraform.clone(),
        options.root.join("examples/local"),
        options.work_dir.join("terraform"),
        &options.bin_dir,
    )?;
    // A fresh emulator: a state file from an earlier run would name resources that no
    // longer exist.
    let _ = std::fs::remove_file(terraform.state_file());
    terraform
        .vars
        .insert("personalize_endpoint".into(), emulator_url.clone());
    terraform
        .vars
        .insert("s3_endpoint".into(), moto_url.clone());
    terraform.vars.insert("region".into(), REGION.into());
    terraform.vars.insert("bucket_name".into(), BUCKET.into());
    terraform.vars.insert("data_version".into(), version);
    if options.domain {
        terraform
            .vars
            .insert("domain".into(), "VIDEO_ON_DEMAND".into());
    }
    running.terraform = Some(terraform.clone());
    terraform.get().await?;
    let applied = terraform.apply().await?;
    if verbose {
        for line in applied
            .lines()
            .filter(|l| l.contains("Creation complete") || l.starts_with("Apply complete"))
        {
            println!("    {line}");
        }
    }
    let outputs = terraform.outputs_json().await?;
    let outputs_file = options.work_dir.join("outputs.json");
    std::fs::write(&outputs_file, &outputs)?;
    let config = StackConfig::from_outputs_json(&outputs)?;
    step_end(report, verbose, what, t);

    let what = "starting local-stack (API Gateway with its authorizer, Kinesis mapping, Firehose archiver)";
    let t = step_start(verbose, what);
    // A new signing key each run: tokens of an earlier run are refused.
    let key_file = signing_key_file(&options.work_dir);
    let _ = std::fs::remove_file(&key_file);
    let authorizer = Authorizer::new(
        Authorizer::load_or_create_key(&key_file)?,
        &config.region,
        &config.name_prefix,
    )?;
    let binary = options.bin_dir.join("local-stack");
    let logs_stack = logs.clone();
    let stack = tokio::task::spawn_blocking(move || {
        infra::start_stack(&binary, &outputs_file, &key_file, &logs_stack)
    })
    .await??;
    let base_url = stack.announced.clone();
    running.stack = Some(stack);
    report.base_url = base_url.clone();
    let token = authorizer.issue(
        DEMO_USER,
        time::OffsetDateTime::now_utc().unix_timestamp(),
        TOKEN_TTL_SECONDS,
    )?;
    report.authorization_header = format!("Authorization: {token}");
    if verbose {
        println!("    API at {base_url}");
        println!(
            "    every route needs an ID token of the local user pool ({}); user {DEMO_USER}'s, valid {} h:\n    export AUTH='{}'",
            authorizer.issuer,
            TOKEN_TTL_SECONDS / 3600,
            report.authorization_header
        );
    }
    step_end(report, verbose, what, t);

    walkthrough(options, &config, &base_url, &token, report).await?;

    if let Some(check) = live_check {
        let what = "checks against the live stack";
        let t = step_start(verbose, what);
        check(LiveStack {
            base_url: base_url.clone(),
            authorizer,
            config: config.clone(),
        })
        .await?;
        step_end(report, verbose, what, t);
    }
    Ok(())
}

async fn walkthrough(
    options: &DemoOptions,
    config: &StackConfig,
    base_url: &str,
    token: &str,
    report: &mut Report,
) -> anyhow::Result<()> {
    use walk::{CLICKS, ITEM, NUM_RESULTS, USER};
    let verbose = options.verbose;
    let meta_text =
        std::fs::read_to_string(options.root.join("examples/movies/data/item-meta.csv"))?;
    let meta = walk::read_item_meta(&meta_text)?;
    let client = walk::Client::new(base_url, verbose).with_token(token);

    let what = if options.domain {
        "the walkthrough: user 429's top picks (the top-picks recommender)"
    } else {
        "the walkthrough: recommendations for user 429"
    };
    let t = step_start(verbose, what);
    if let Some(campaign) = &config.campaign_arn {
        let (status, seed) = client
            .get(
                &format!(
                    "/getRecommendations?campaignArn={campaign}&userId={USER}&numResults={NUM_RESULTS}"
                ),
                true,
            )
            .await?;
        anyhow::ensure!(
            status == 200,
            "GET /getRecommendations answered {status}: {seed}"
        );
    }
    let (status, answer) = client
        .get(
            &format!("/recommendations?userId={USER}&numResults={NUM_RESULTS}"),
            true,
        )
        .await?;
    anyhow::ensure!(
        status == 200,
        "GET /recommendations answered {status}: {answer}"
    );
    report.before = walk::item_ids(&answer)?;
    step_end(report, verbose, what, t);

    let what = if options.domain {
        "the walkthrough: three Click events on item 185, then top picks again"
    } else {
        "the walkthrough: three clicks on item 185, then recommendations again"
    };
    let t = step_start(verbose, what);
    let today = time::OffsetDateTime::now_utc().date();
    let today = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let body = json!({
        "stream-name": config.stream_name,
        "Data": {
            "userId": USER,
            "interactions": CLICKS,
            "itemId": ITEM,
            "trackingId": config.tracking_id,
            // The domain's event types are capitalised ("VIDEO_ON_DEMAND datasets and schemas").
            "eventType": if options.domain { "Click" } else { "click" },
            "dateFrom": today,
            "dateTo": today,
        },
        "PartitionKey": USER,
    });
    let sent_at = Instant::now();
    let (status, accepted) = client.post("/data", &body).await?;
    anyhow::ensure!(
        status == 200 && accepted["Message"] == "Event sent successfully",
        "POST /data answered {status}: {accepted}"
    );
    report.events_sent += CLICKS;
    let path = format!("/recommendations?userId={USER}&numResults={NUM_RESULTS}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, answer) = client.get(&path, false).await?;
        anyhow::ensure!(
            status == 200,
            "GET /recommendations answered {status}: {answer}"
        );
        if walk::item_ids(&answer)? != report.before {
            break;
        }
        if Instant::now() > deadline {
            bail!("user {USER}'s recommendations did not change within 60 s of the clicks");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    report.latency = sent_at.elapsed();
    let (_, answer) = client.get(&path, true).await?;
    report.after = walk::item_ids(&answer)?;
    report.affinity = (
        walk::affinity(&report.before, ITEM, &meta),
        walk::affinity(&report.after, ITEM, &meta),
    );
    let interactions =
        std::fs::read_to_string(options.root.join("examples/movies/data/interactions.csv"))?;
    let neighbours = walk::co_neighbours(&interactions, ITEM, walk::NEIGHBOURHOOD)?;
    report.neighbourhood = (
        walk::in_neighbourhood(&report.before, &neighbours),
        walk::in_neighbourhood(&report.after, &neighbours),
    );
    if verbose {
        println!(
            "\n{}\n  recommendations changed {:.2} s after the clicks were sent\n  \
             among the {} items most watched with {ITEM}: {} -> {} of {NUM_RESULTS}; \
             genre affinity to {ITEM}: {:.2} -> {:.2}",
            walk::side_by_side(&report.before, &report.after, &meta),
            report.latency.as_secs_f64(),
            walk::NEIGHBOURHOOD,
            report.neighbourhood.0,
            report.neighbourhood.1,
            report.affinity.0,
            report.affinity.1
        );
    }
    step_end(report, verbose, what, t);

    if options.domain {
        let what = "the walkthrough: because you watched 185, and more like 185 (item-to-item recommenders)";
        let t = step_start(verbose, what);
        for (route, list) in [
            ("because-you-watched", &mut report.because_you_watched),
            ("more-like", &mut report.more_like),
        ] {
            let path = format!("/recommendations/{route}?itemId={ITEM}&numResults={NUM_RESULTS}");
            let (status, answer) = client.get(&path, true).await?;
            anyhow::ensure!(
                status == 200,
                "GET /recommendations/{route} answered {status}: {answer}"
            );
            *list = walk::item_ids(&answer)?;
        }
        if verbose {
            println!(
                "\n  because you watched {ITEM}: {}\n  more like {ITEM}: {}",
                walk::titled(&report.because_you_watched, &meta),
                walk::titled(&report.more_like, &meta)
            );
        }
        step_end(report, verbose, what, t);
    }

    let what = "checking the S3 archive and the dead-letter queue";
    let t = step_start(verbose, what);
    let aws = AwsClients::new(config);
    let sent = report.events_sent;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        report.events_archived = walk::archived_events(&aws, config).await?;
        if report.events_archived >= sent {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "{} of {sent} events in the S3 archive after 30 s",
                report.events_archived
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let dlq_url = aws
        .sqs
        .get_queue_url()
        .queue_name(&config.dlq_name)
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e.into_service_error()))?
        .queue_url
        .unwrap_or_default();
    report.dlq_messages = walk::dlq_depth(&aws, &dlq_url).await?;
    if verbose {
        println!(
            "    {} of {sent} events in s3://{}/{}..., {} messages in the dead-letter queue",
            report.events_archived,
            config.bucket_name,
            config.archive_prefix.split("!{").next().unwrap_or_default(),
            report.dlq_messages
        );
    }
    step_end(report, verbose, what, t);
    Ok(())
}

async fn teardown(
    options: &DemoOptions,
    running: &mut Running,
    report: &mut Report,
) -> anyhow::Result<()> {
    let verbose = options.verbose;
    let mut errors = Vec::new();
    if let Some(mut stack) = running.stack.take() {
        let what = "stopping local-stack";
        let t = step_start(verbose, what);
        tokio::task::spawn_blocking(move || stack.stop(Duration::from_secs(15))).await?;
        step_end(report, verbose, what, t);
    }
    if let Some(terraform) = running.terraform.take() {
        terraform.interrupt().await;
        if running.emulator.is_some() {
            let what = "terraform destroy";
            let t = step_start(verbose, what);
            match terraform.destroy().await {
                Ok(out) => {
                    if verbose {
                        for line in out.lines().filter(|l| l.starts_with("Destroy complete")) {
                            println!("    {line}");
                        }
                    }
                }
                Err(e) => {
                    if verbose {
                        println!("    terraform destroy failed; the emulator stops anyway and the next run starts it empty");
                    }
                    errors.push(format!("{e:#}"));
                }
            }
            step_end(report, verbose, what, t);
            if let Some(url) = &running.emulator_url {
                match leftovers(url).await {
                    Ok(left) => report.leftovers = left,
                    Err(e) => errors.push(format!("listing what is left in the emulator: {e:#}")),
                }
                if verbose {
                    println!("    left in personalize-local: {:?}", report.leftovers);
                }
            }
        }
    }
    let what = "stopping personalize-local and moto";
    let t = step_start(verbose, what);
    let emulator = running.emulator.take();
    let moto = running.moto.take();
    tokio::task::spawn_blocking(move || {
        drop(emulator);
        drop(moto);
    })
    .await?;
    step_end(report, verbose, what, t);
    if errors.is_empty() {
        Ok(())
    } else {
        bail!("{}", errors.join("\n"))
    }
}

fn print_summary(report: &Report) {
    println!("\n==> step durations");
    for (step, took) in &report.steps {
        println!("    {:>6.1} s  {step}", took.as_secs_f64());
    }
    println!("    {:>6.1} s  total", report.total.as_secs_f64());
}
