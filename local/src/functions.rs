//! The project's three Lambda functions, built in process the way each `main.rs` builds them
//! on AWS: configuration from the environment variables the pipeline module sets (`STREAM_NAME`,
//! `AUTH_MODE`; `TRACKING_ID`, `DLQ_URL`, `PUT_EVENTS_CONCURRENCY`; `CAMPAIGN_ARN`,
//! `RECOMMENDER_ARNS`, `FILTER_ARNS`, `AUTH_MODE`), one
//! handler value per function, SDK clients pointed at moto or personalize-local.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;

use anyhow::Context;
use aws_lambda_events::event::kinesis::KinesisEvent;
use http::Method;
use lambda_common::Env;

use crate::apigw::Route;
use crate::config::StackConfig;
use crate::esm::batch::RetryPolicy;
use crate::function::sandboxed;
use crate::hosting::http_function;
use crate::resources::Resources;
use crate::stack::Functions;

/// The walkthrough's routes, served only with `enable_seed_routes` (as in the pipeline module).
pub const SEED_ROUTES: &[&str] = &["/getRecommendations", "/data"];

/// The environment variables of each function, as the pipeline module sets them.
pub fn environments(
    config: &StackConfig,
    resources: &Resources,
) -> anyhow::Result<BTreeMap<&'static str, BTreeMap<&'static str, String>>> {
    let filters = serde_json::to_string(&config.filter_arns)?;
    // The pipeline module sets CORS_ALLOW_ORIGIN on the HTTP functions only with CORS on.
    let cors: Vec<(&'static str, String)> = config
        .cors_allow_origin
        .iter()
        .map(|origin| ("CORS_ALLOW_ORIGIN", origin.clone()))
        .collect();
    let mut collect = BTreeMap::from([
        ("STREAM_NAME", config.stream_name.clone()),
        ("AUTH_MODE", "user".to_owned()),
    ]);
    collect.extend(cors.clone());
    // The pipeline module sets CAMPAIGN_ARN blank without a campaign: left out here, the same.
    let mut recommend = BTreeMap::from([
        (
            "RECOMMENDER_ARNS",
            serde_json::to_string(&config.recommender_arns)?,
        ),
        ("FILTER_ARNS", filters),
        ("AUTH_MODE", "user".to_owned()),
    ]);
    if let Some(campaign) = &config.campaign_arn {
        recommend.insert("CAMPAIGN_ARN", campaign.clone());
    }
    recommend.extend(cors);
    Ok(BTreeMap::from([
        ("collect", collect),
        (
            "ingest",
            BTreeMap::from([
                ("TRACKING_ID", config.tracking_id.clone()),
                ("DLQ_URL", resources.dlq_url.clone()),
                ("PUT_EVENTS_CONCURRENCY", "8".to_owned()),
            ]),
        ),
        ("recommend", recommend),
    ]))
}

fn env_of<'a>(
    vars: &'a BTreeMap<&'static str, String>,
) -> Env<impl Fn(&str) -> Option<String> + 'a> {
    Env::from_fn(move |name: &str| vars.get(name).cloned())
}

/// Builds collect, ingest and recommend with their routes.
///
/// # Errors
/// When a function refuses its configuration (the message names the variable).
pub fn build(config: &StackConfig, resources: &Resources) -> anyhow::Result<Functions> {
    build_with(config, resources, RetryPolicy::default().function_timeout)
}

/// [`build`], with ingest's timeout (the mapping's `function_timeout`) as its deadline.
///
/// # Errors
/// When a function refuses its configuration (the message names the variable).
pub fn build_with(
    config: &StackConfig,
    resources: &Resources,
    ingest_timeout: std::time::Duration,
) -> anyhow::Result<Functions> {
    let envs = environments(config, resources)?;
    let moto = sdk_config::local(&config.aws_endpoint, &config.region);
    let personalize = sdk_config::local(&config.personalize_endpoint, &config.region);

    let collect_config =
        collect::Config::from_env(&env_of(&envs["collect"])).context("collect configuration")?;
    let collect = Arc::new(collect::Collect::from_sdk(collect_config, &moto));

    let ingest_config =
        ingest::Config::from_env(&env_of(&envs["ingest"])).context("ingest configuration")?;
    let sink = ingest::PersonalizeSink::from_sdk(&personalize, ingest_config.put_events);
    let dlq = ingest::SqsQueue::new(aws_sdk_sqs::Client::new(&moto), &ingest_config.dlq_url);
    let ingest = Arc::new(ingest::Ingest::new(ingest_config, sink, dlq));

    let recommend_config = recommend::Config::from_env(&env_of(&envs["recommend"]))
        .context("recommend configuration")?;
    let recommend = Arc::new(recommend::Recommend::from_sdk(
        recommend_config,
        &personalize,
    ));

    // One function per Lambda, shared by its routes, as API Gateway integrates them.
    let collect_fn = http_function("collect", move |req| {
        let handler = collect.clone();
        async move { handler.handle(req).await }
    });
    let recommend_fn = http_function("recommend", move |req| {
        let handler = recommend.clone();
        async move { handler.handle(req).await }
    });
    let mut routes = Vec::new();
    for (table, function) in [
        (collect::ROUTES, collect_fn),
        (recommend::ROUTES, recommend_fn),
    ] {
        for (method, path) in table {
            if !config.enable_seed_routes && SEED_ROUTES.contains(path) {
                continue;
            }
            routes.push(Route {
                method: Method::from_bytes(method.as_bytes())?,
                resource: (*path).to_owned(),
                function: function.clone(),
            });
        }
    }
    // Ingest's future is not Send (it borrows across buffer_unordered): it runs sandboxed.
    // Each invocation gets Lambda's deadline: the function's timeout from now.
    let ingest = sandboxed("ingest", move |event: KinesisEvent| {
        let handler = ingest.clone();
        let deadline = tokio::time::Instant::now() + ingest_timeout;
        async move { Ok::<_, Infallible>(handler.handle(event, deadline).await) }
    })?;
    Ok(Functions { routes, ingest })
}
