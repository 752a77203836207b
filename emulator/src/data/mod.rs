//! The data plane: import jobs and training (the IN_PROGRESS work of their lifecycles),
//! PutEvents / PutItems / PutUsers, and serving (with the campaigns' ranking influence).

pub mod avro;
pub mod batch;
pub mod deletion;
pub mod events;
pub mod export;
pub mod import;
pub mod influence;
pub mod objects;
pub mod runtime;
pub mod segment;
pub mod training;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::lifecycle::{Apply, WorkFn};
use crate::state::{Kind, Txn, View, Write, Writes};
use crate::wire::Ctx;
use crate::AppState;

/// Runs an events or runtime operation on validated `input`.
///
/// # Errors
/// The operation's AWS errors.
pub async fn dispatch(ctx: &Ctx, op: &str, input: Value) -> Result<Value, ApiError> {
    let input: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
    match op {
        "PutEvents" | "PutItems" | "PutUsers" => {
            // The durable commit (an fsync with --state-dir) blocks: it runs off the async
            // workers, so it never holds up requests that only read, such as
            // GetRecommendations.
            let ctx = ctx.clone();
            let op = op.to_owned();
            tokio::task::spawn_blocking(move || match op.as_str() {
                "PutEvents" => events::put_events(&ctx, &input),
                "PutItems" => events::put_items(&ctx, &input),
                _ => events::put_users(&ctx, &input),
            })
            .await
            .map_err(|e| ApiError::new(crate::error::ErrorKind::Internal, e.to_string()))?
        }
        "GetRecommendations" => runtime::get_recommendations(ctx, &input).await,
        "GetPersonalizedRanking" => runtime::get_personalized_ranking(ctx, &input).await,
        // The Actions operations of the models (PutActions, PutActionInteractions,
        // GetActionRecommendations): Actions datasets are not supported, said as the control
        // plane says it of its unsupported operations.
        _ => Err(ApiError::new(
            crate::error::ErrorKind::Unsupported,
            format!("{op} is not supported by personalize-local (Actions datasets are not)"),
        )),
    }
}

/// The IN_PROGRESS work of a resource of `kind`, if it has any.
pub fn work_for(server: &AppState, kind: Kind, arn: &str) -> Option<WorkFn> {
    let server = server.clone();
    let arn = arn.to_owned();
    match kind {
        Kind::DatasetImportJob => Some(Box::new(move || Box::pin(run_import(server, arn)))),
        Kind::SolutionVersion => Some(Box::new(move || Box::pin(training::run(server, arn)))),
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
    let (dataset_arn, location, mode, schema_text, ty) = {
        let inner = server.state.read();
        let job = inner
            .get(Kind::DatasetImportJob, &job_arn)
            .map_err(|e| e.message)?;
        let dataset_arn = job.str("datasetArn").unwrap_or("").to_owned();
        let dataset = inner
            .get(Kind::Dataset, &dataset_arn)
            .map_err(|e| e.message)?;
        let schema = inner
            .get(Kind::Schema, dataset.str("schemaArn").unwrap_or(""))
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
    Ok(Box::new(move |inner: &mut Txn<'_>, writes: &mut Writes| {
        let rows = match (mode.as_str(), inner.rows.get(&dataset_arn)) {
            ("INCREMENTAL", Some(old)) => import::merge(old.clone(), rows),
            _ => rows,
        };
        writes.push(Write::Rows(dataset_arn, Some(rows)));
    }))
}
