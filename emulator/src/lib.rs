//! # personalize-local
//!
//! A Personalize-compatible server: the control plane, personalize-events and
//! personalize-runtime on one HTTP listener, spoken exactly as the AWS SDKs speak them, with a
//! real recommender ([`personalize_recommender`]) behind it.
//!
//! # Layout
//! `main.rs` only parses the command line; the recommender itself is the sibling crate
//! `personalize-recommender` (`emulator/recommender`).
//! - [`ctx`]: [`ctx::Ctx`], the request context (server, region) every operation runs on.
//! - [`wire`]: the three wire protocols: routing on `X-Amz-Target` or path, request ids,
//!   region from the SigV4 credential scope, body limits, validation against the model.
//! - [`model`]: the botocore service models as data (input validation, output projection).
//! - [`error`]: the AWS error format, rendered in one place.
//! - [`sigv4`]: `--verify-sigv4`, every request's signature checked against the configured
//!   credentials before dispatch.
//! - [`control`]: the control-plane operations, one file per resource kind
//!   (`control::solutions::config` checks a solutionConfig and makes it a training plan).
//! - [`data`]: the data plane: import jobs (CSV checked against the Avro schema), PutEvents /
//!   PutItems / PutUsers / PutActions / PutActionInteractions, GetRecommendations /
//!   GetPersonalizedRanking / GetActionRecommendations, metric attribution reports, training (with AutoML
//!   and HPO searches).
//! - [`state`]: resources, rows and logs in memory, written through to redb.
//! - [`lifecycle`]: the clock and the status machines run on it.
//! - [`updates`]: in-place updates (`latestCampaignUpdate`, `latestSolutionUpdate`) on that clock.
//! - [`faults`]: seeded fault injection.
//! - [`testing`]: [`testing::TestServer`], the server on its own thread for other crates' tests.

#![warn(missing_docs)]

pub mod control;
pub mod ctx;
pub mod data;
pub mod error;
pub mod faults;
pub mod lifecycle;
pub mod model;
pub mod quotas;
pub mod sigv4;
pub mod state;
pub mod testing;
pub mod updates;
pub mod wire;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use faults::{FaultKind, Faults};

/// Server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The account id in every ARN.
    pub account_id: String,
    /// Every lifecycle stage completes at once: a Create/Delete call returns after the resource
    /// reached its final status (ACTIVE, CREATE FAILED, gone).
    pub instant: bool,
    /// Time per lifecycle stage when not `instant`.
    pub stage_delay: Duration,
    /// Where state is persisted; `None` keeps everything in memory.
    pub state_dir: Option<PathBuf>,
    /// Import jobs read `s3://b/k` from `DIR/b/k` instead of S3.
    pub data_root: Option<PathBuf>,
    /// S3 endpoint for import jobs (e.g. moto); path-style addressing.
    pub s3_endpoint: Option<String>,
    /// Fault injection.
    pub faults: Faults,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Enforce Personalize's data minimums ([`quotas`]): a training or an interactions import
    /// with too little data fails as it would on AWS.
    pub strict_quotas: bool,
    /// `--verify-sigv4`: the credentials whose SigV4 signatures are accepted; every request of
    /// every plane must carry a valid signature of one of them. `None` accepts any request,
    /// signed or not, without checking.
    pub verify_sigv4: Option<sigv4::Credentials>,
    /// How often the events PutEvents stored are published as metric attribution reports
    /// ([`data::metric_reports`]); zero publishes them only on [`data::metric_reports::flush`].
    pub metric_report_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            account_id: "123456789012".into(),
            instant: false,
            stage_delay: Duration::from_secs(2),
            state_dir: None,
            data_root: None,
            s3_endpoint: None,
            faults: Faults::default(),
            max_body_bytes: 4 * 1024 * 1024,
            strict_quotas: false,
            verify_sigv4: None,
            metric_report_interval: Duration::from_secs(15 * 60),
        }
    }
}

/// Everything a request handler needs.
#[derive(Debug)]
pub struct Server {
    /// The configuration it was started with.
    pub config: Config,
    /// Resources, data and logs.
    pub state: state::State,
    /// Fault injection.
    pub faults: faults::Injector,
    /// The lifecycle clock.
    pub clock: lifecycle::Clock,
    /// Popularity and freshness per solution version, for campaigns' ranking influence.
    pub influence: data::influence::Cache,
    /// Recommendation ids handed out, and the publication of metric attribution reports.
    pub reports: data::metric_reports::Reports,
    /// Request rates under `--strict-quotas`.
    pub rates: quotas::Rates,
    /// How each resource kind's lifecycles resume after a restart ([`lifecycle::resume`]):
    /// the control plane's table, [`control::resume::RESUME`].
    pub resume_hooks: lifecycle::ResumeHooks,
}

/// The shared server handle axum passes to handlers.
pub type AppState = Arc<Server>;

impl Server {
    /// Opens the state (loading it from `config.state_dir`) and builds the server.
    ///
    /// # Errors
    /// When the state directory cannot be opened, or `verify_sigv4` accepts no credential
    /// (every request would be refused).
    pub fn open(config: Config) -> anyhow::Result<AppState> {
        if config
            .verify_sigv4
            .as_ref()
            .is_some_and(sigv4::Credentials::is_empty)
        {
            anyhow::bail!(
                "verify_sigv4 is on with no credential: every request would be refused; give at least one access key id and secret"
            );
        }
        let state = state::State::open(config.state_dir.as_deref())?;
        let clock = if config.instant {
            lifecycle::Clock::instant()
        } else {
            lifecycle::Clock::with_stage(config.stage_delay)
        };
        Ok(Arc::new(Self {
            faults: faults::Injector::new(config.faults),
            config,
            state,
            clock,
            influence: data::influence::Cache::default(),
            reports: data::metric_reports::Reports::default(),
            rates: quotas::Rates::default(),
            resume_hooks: control::resume::RESUME,
        }))
    }
}

/// The router serving all three protocols, for in-process `oneshot` tests.
pub fn app(state: AppState) -> axum::Router {
    wire::router(state)
}

/// Serves on `listener` until `shutdown` completes. Resources left mid-lifecycle by a previous
/// run (state dir) resume their lifecycle.
///
/// # Errors
/// When the state cannot be opened or the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let server = Server::open(config)?;
    lifecycle::resume(&server);
    data::metric_reports::start(&server);
    axum::serve(listener, app(server))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
