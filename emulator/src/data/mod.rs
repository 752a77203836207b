//! The data plane: import jobs and training (the IN_PROGRESS work of their lifecycles),
//! PutEvents / PutItems / PutUsers, and serving (with the campaigns' ranking influence).

pub mod actions;
pub mod avro;
pub mod batch;
pub mod deletion;
pub mod events;
pub mod export;
pub mod import;
pub mod influence;
pub mod metric_reports;
pub mod objects;
pub mod runtime;
pub mod segment;
pub mod training;

use serde_json::{Map, Value};

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::lifecycle::{Apply, WorkFn};
use crate::state::{Kind, Txn, View, Write, Writes};
use crate::AppState;

/// Runs an events or runtime operation on validated `input`.
///
/// # Errors
/// The operation's AWS errors.
pub async fn dispatch(ctx: &Ctx, op: &str, input: Value) -> Result<Value, ApiError> {
    let input: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
    if ctx.server.config.strict_quotas {
        strict_rates(ctx, op, &input)?;
    }
    match op {
        "PutEvents" | "PutItems" | "PutUsers" | "PutActions" | "PutActionInteractions" => {
            // The durable commit (an fsync with --state-dir) blocks: it runs off the async
            // workers, so it never holds up requests that only read, such as
            // GetRecommendations.
            let ctx = ctx.clone();
            let op = op.to_owned();
            tokio::task::spawn_blocking(move || match op.as_str() {
                "PutEvents" => events::put_events(&ctx, &input),
                "PutItems" => events::put_items(&ctx, &input),
                "PutActions" => events::put_actions(&ctx, &input),
                "PutActionInteractions" => actions::put_action_interactions(&ctx, &input),
                _ => events::put_users(&ctx, &input),
            })
            .await
            .map_err(|e| ApiError::new(crate::error::ErrorKind::Internal, e.to_string()))?
        }
        "GetRecommendations" => runtime::get_recommendations(ctx, &input).await,
        "GetPersonalizedRanking" => runtime::get_personalized_ranking(ctx, &input).await,
        "GetActionRecommendations" => actions::get_action_recommendations(ctx, &input).await,
        // Every operation of the two data-plane models is implemented; a newer model's would
        // answer as the control plane answers its unsupported ones.
        _ => Err(ApiError::new(
            crate::error::ErrorKind::Unsupported,
            format!("{op} is not supported by personalize-local"),
        )),
    }
}

/// The request rates of `--strict-quotas` (see [`crate::quotas::Rates`]): PutEvents per
/// account, GetRecommendations and GetPersonalizedRanking per campaign (or recommender) and in
/// all.
fn strict_rates(ctx: &Ctx, op: &str, input: &Map<String, Value>) -> Result<(), ApiError> {
    use crate::quotas::{
        PUT_EVENTS_PER_SECOND, RECOMMENDATIONS_PER_SECOND, RECOMMENDATIONS_PER_SECOND_PER_SOURCE,
    };
    match op {
        "PutEvents" => ctx
            .server
            .rates
            .take_all(&[("PutEvents", PUT_EVENTS_PER_SECOND)]),
        "GetRecommendations" | "GetPersonalizedRanking" => {
            let source = ["campaignArn", "recommenderArn"]
                .into_iter()
                .find_map(|k| input.get(k).and_then(Value::as_str))
                .unwrap_or("");
            let per_source = format!("{op} on {source}");
            ctx.server.rates.take_all(&[
                (
                    "GetRecommendations and GetPersonalizedRanking",
                    RECOMMENDATIONS_PER_SECOND,
                ),
                (&per_source, RECOMMENDATIONS_PER_SECOND_PER_SOURCE),
            ])
        }
        _ => Ok(()),
    }
}

/// The IN_PROGRESS work of a resource of `kind`, if it has any.
pub fn work_for(server: &AppState, kind: Kind, arn: &str) -> Option<WorkFn> {
    let server = server.clone();
    let arn = arn.to_owned();
    match kind {
        Kind::DatasetImportJob => Some(Box::new(move || Box::pin(run_import(server, arn)))),
        Kind::SolutionVersion => Some(Box::new(move || Box::pin(training::run(server, arn)))),
        Kind::Recommender => Some(Box::new(move || {
            Box::pin(crate::control::recommenders::train(server, arn, None))
        })),
        Kind::BatchInferenceJob => Some(Box::new(move || Box::pin(batch::run(server, arn)))),
        Kind::DatasetExportJob => Some(Box::new(move || Box::pin(export::run(server, arn)))),
        Kind::BatchSegmentJob => Some(Box::new(move || Box::pin(segment::run(server, arn)))),
        _ => None,
    }
}

/// The region segment of an ARN (`arn:aws:personalize:REGION:...`).
pub fn region_of_arn(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or(crate::wire::DEFAULT_REGION)
}

async fn run_import(server: AppState, job_arn: String) -> Result<Apply, String> {
    let (dataset_arn, location, mode, schema_text, ty, publish) = {
        let inner = server.state.read();
        let job = inner
            .get(Kind::DatasetImportJob, &job_arn)
            .map_err(|e| e.message)?;
        let dataset_arn = job.parent(Kind::Dataset).unwrap_or("").to_owned();
        let dataset = inner
            .get(Kind::Dataset, &dataset_arn)
            .map_err(|e| e.message)?;
        let schema = inner
            .get(Kind::Schema, dataset.parent(Kind::Schema).unwrap_or(""))
            .map_err(|e| e.message)?;
        (
            dataset_arn.clone(),
            job.body["dataSource"]["dataLocation"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            job.str("importMode").unwrap_or("FULL").to_owned(),
            schema.str("schema").unwrap_or("").to_owned(),
            avro::DatasetType::parse(dataset.str("datasetType").unwrap_or(""))?,
            job.body
                .get("publishAttributionMetricsToS3")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
                .then(|| dataset.parent(Kind::DatasetGroup).unwrap_or("").to_owned()),
        )
    };
    let schema = avro::parse(&schema_text)?;
    let objects = objects::fetch(&server.config, region_of_arn(&job_arn), &location).await?;
    let rows = tokio::task::spawn_blocking(move || import::parse_rows(&schema, ty, &objects))
        .await
        .map_err(|e| format!("import failed: {e}"))??;
    if let (true, crate::state::Rows::Interactions(records)) = (server.config.strict_quotas, &rows)
    {
        crate::quotas::check_import(records.len())?;
    }
    if let (Some(group), crate::state::Rows::Interactions(records)) = (&publish, &rows) {
        // The job's report is written before it turns ACTIVE, so a caller who sees the job
        // ACTIVE finds it ("When the job completes, you can find the metrics in your Amazon
        // S3 bucket", Publishing metric attribution reports to Amazon S3). A report that
        // cannot be written fails the job: it was asked for.
        let plan = metric_reports::plan_for_group(&*server.state.read(), group)
            .map_err(|e| format!("publishAttributionMetricsToS3: {e}"))?;
        metric_reports::publish(&server, &plan, &mode, records).await?;
    }
    Ok(Box::new(move |inner: &mut Txn<'_>, writes: &mut Writes| {
        let rows = match (mode.as_str(), inner.rows.get(&dataset_arn)) {
            ("INCREMENTAL", Some(old)) => import::merge(old.clone(), rows),
            _ => rows,
        };
        writes.push(Write::Rows(dataset_arn, Some(rows)));
    }))
}
