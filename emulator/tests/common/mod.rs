//! What the integration tests share: SDK clients for a server, small synthetic data, and the
//! resource chain up to an ACTIVE campaign.

// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

use std::path::Path;

use personalize_local::testing::chain;
pub use personalize_local::testing::chain::{
    campaign, dataset, dataset_group, event_tracker, solution_version, trained_version,
    INTERACTIONS_SCHEMA, ROLE,
};
use personalize_local::testing::TestServer;
use personalize_local::{app, AppState, Config, Server};

pub const REGION: &str = "eu-west-1";

pub const ITEMS_SCHEMA: &str = r#"{"type":"record","name":"Items","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"ITEM_ID","type":"string"},{"name":"GENRE","type":"string","categorical":true}],"version":"1.0"}"#;

/// The three real SDK clients pointed at a server.
pub struct Clients {
    pub control: aws_sdk_personalize::Client,
    pub events: aws_sdk_personalizeevents::Client,
    pub runtime: aws_sdk_personalizeruntime::Client,
}

impl Clients {
    pub fn new(endpoint: &str) -> Self {
        Self::in_region(endpoint, REGION)
    }

    /// Clients that sign for `region` (the server takes the region from the credential scope).
    pub fn in_region(endpoint: &str, region: &str) -> Self {
        Self::with_config(sdk_config::local(endpoint, region))
    }

    /// Clients that never retry on their own (the caller's loop does, without backoff waits).
    pub fn without_retries(endpoint: &str) -> Self {
        let config = sdk_config::local(endpoint, REGION)
            .into_builder()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build();
        Self::with_config(config)
    }

    /// Clients that sign with `access_key_id` / `secret` instead of the local test pair.
    pub fn signing_as(endpoint: &str, access_key_id: &str, secret: &str) -> Self {
        let config = sdk_config::local(endpoint, REGION)
            .into_builder()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build();
        let credentials = aws_sdk_personalize::config::Credentials::new(
            access_key_id,
            secret,
            None,
            None,
            "emulator-tests",
        );
        Self {
            control: aws_sdk_personalize::Client::from_conf(
                aws_sdk_personalize::config::Builder::from(&config)
                    .credentials_provider(credentials.clone())
                    .build(),
            ),
            events: aws_sdk_personalizeevents::Client::from_conf(
                aws_sdk_personalizeevents::config::Builder::from(&config)
                    .credentials_provider(credentials.clone())
                    .build(),
            ),
            runtime: aws_sdk_personalizeruntime::Client::from_conf(
                aws_sdk_personalizeruntime::config::Builder::from(&config)
                    .credentials_provider(credentials)
                    .build(),
            ),
        }
    }

    fn with_config(config: sdk_config::aws_config::SdkConfig) -> Self {
        Self {
            control: aws_sdk_personalize::Client::new(&config),
            events: aws_sdk_personalizeevents::Client::new(&config),
            runtime: aws_sdk_personalizeruntime::Client::new(&config),
        }
    }
}

/// An event of type `watch` sent at a fixed time (2023-11-14), to complete with its item,
/// properties or id.
pub fn watch() -> aws_sdk_personalizeevents::types::builders::EventBuilder {
    aws_sdk_personalizeevents::types::Event::builder()
        .event_type("watch")
        .sent_at(aws_smithy_types::DateTime::from_secs(1_700_000_000))
}

/// Items per taste cluster.
pub const CLUSTER: u32 = 40;

/// Two taste clusters: users u0..u29 watch comedies i0..i39, users u30..u59 dramas i40..i79.
pub fn interactions_csv() -> String {
    let mut out = String::from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
    for u in 0..60u32 {
        let base = if u < 30 { 0 } else { CLUSTER };
        for k in 0..8u32 {
            let item = base + (u * 7 + k * 3) % CLUSTER;
            out.push_str(&format!(
                "u{u},i{item},{},watch\n",
                1_600_000_000 + u * 100 + k
            ));
        }
    }
    out
}

pub fn items_csv() -> String {
    let mut out = String::from("ITEM_ID,GENRE\n");
    for i in 0..2 * CLUSTER {
        out.push_str(&format!(
            "i{i},{}\n",
            if i < CLUSTER { "Comedy" } else { "Drama" }
        ));
    }
    out
}

/// A data root holding `s3://data/interactions.csv` and `s3://data/items.csv`.
pub fn data_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let bucket = dir.path().join("data");
    std::fs::create_dir_all(&bucket).unwrap();
    std::fs::write(bucket.join("interactions.csv"), interactions_csv()).unwrap();
    std::fs::write(bucket.join("items.csv"), items_csv()).unwrap();
    dir
}

pub fn instant_config(data_root: &Path) -> Config {
    Config {
        instant: true,
        data_root: Some(data_root.to_path_buf()),
        ..Config::default()
    }
}

pub fn start_instant(data_root: &Path) -> TestServer {
    TestServer::start(instant_config(data_root))
}

/// ARNs of a full chain.
#[derive(Debug, Clone)]
pub struct Chain {
    pub group: String,
    pub interactions_schema: String,
    pub items_schema: String,
    pub interactions: String,
    pub items: String,
    pub solution: String,
    pub version: String,
    pub campaign: String,
    pub tracker: String,
    pub tracking_id: String,
}

/// The prologue of most SDK tests: an instant server on the test data and a whole chain
/// ([`build_chain`]) named `name`. Dropping it stops the server, then removes the data.
pub struct Fixture {
    /// The SDK clients of the server.
    pub c: Clients,
    /// Group to campaign and tracker.
    pub chain: Chain,
    _server: TestServer,
    _root: tempfile::TempDir,
}

impl Fixture {
    /// The running server: its state, for what was stored or what training would see.
    pub fn server(&self) -> &AppState {
        self._server.server()
    }

    /// The server's endpoint, for clients of other settings (another region).
    pub fn endpoint(&self) -> &str {
        self._server.endpoint()
    }

    /// Starts the server and builds the chain.
    pub async fn start(name: &str) -> Self {
        let root = data_root();
        let server = start_instant(root.path());
        let c = Clients::new(server.endpoint());
        let chain = build_chain(&c, name).await;
        Self {
            c,
            chain,
            _server: server,
            _root: root,
        }
    }
}

/// [`chain::import`] of `s3://data/{key}`: the data root of [`data_root`].
pub async fn import(
    p: &aws_sdk_personalize::Client,
    dataset: &str,
    job_name: &str,
    key: &str,
    role: Option<&str>,
) -> aws_sdk_personalize::types::DatasetImportJob {
    chain::import(p, dataset, job_name, &format!("s3://data/{key}"), role).await
}

/// [`chain::imported`] of `s3://data/{key}`: the import must finish ACTIVE.
pub async fn imported(p: &aws_sdk_personalize::Client, dataset: &str, job_name: &str, key: &str) {
    chain::imported(p, dataset, job_name, &format!("s3://data/{key}")).await;
}

/// Creates everything up to an ACTIVE campaign and an event tracker on an instant server.
pub async fn build_chain(c: &Clients, name: &str) -> Chain {
    let p = &c.control;
    let group = dataset_group(p, name).await;
    let (interactions_schema, interactions) = dataset(
        p,
        &group,
        &format!("{name}-interactions"),
        "Interactions",
        INTERACTIONS_SCHEMA,
    )
    .await;
    let (items_schema, items) =
        dataset(p, &group, &format!("{name}-items"), "Items", ITEMS_SCHEMA).await;
    for (dataset, key) in [(&interactions, "interactions.csv"), (&items, "items.csv")] {
        let job_name = format!("{name}-{}", key.trim_end_matches(".csv"));
        imported(p, dataset, &job_name, key).await;
    }
    let (solution, version) = trained_version(
        p,
        &group,
        name,
        "arn:aws:personalize:::recipe/aws-user-personalization",
    )
    .await;
    let campaign = campaign(p, name, &version).await;
    let (tracker, tracking_id) = event_tracker(p, name, &group).await;
    Chain {
        group,
        interactions_schema,
        items_schema,
        interactions,
        items,
        solution,
        version,
        campaign,
        tracker,
        tracking_id,
    }
}

/// The item ids recommended to `user`.
pub async fn recommend(c: &Clients, campaign: &str, user: &str, n: i32) -> Vec<(String, f64)> {
    c.runtime
        .get_recommendations()
        .campaign_arn(campaign)
        .user_id(user)
        .num_results(n)
        .send()
        .await
        .unwrap()
        .item_list
        .unwrap_or_default()
        .into_iter()
        .map(|i| (i.item_id.unwrap_or_default(), i.score.unwrap_or_default()))
        .collect()
}

/// A server on port 0 in the test's own runtime, with its state reachable for inspection.
pub async fn serve(config: Config) -> (AppState, String) {
    let server = Server::open(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let router = app(server.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (server, endpoint)
}

/// Runs `script` (a path in the project) with the project venv's Python and `env`, with no
/// AWS profile or endpoint of the developer's leaking in; asserts it succeeded and returns
/// the JSON summary it prints last.
pub fn python_summary(script: &str, env: &[(&str, &std::ffi::OsStr)]) -> serde_json::Value {
    let venv = testkit::python::venv().unwrap();
    let mut command = venv.python_command();
    command
        .arg(testkit::paths::project_file(script))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}
