//! Datasets: CreateDataset and UpdateDataset (with its own UPDATE lifecycle); the schema must
//! fit the dataset type and the dataset group's domain.

use serde_json::{json, Map, Value};

use super::domains::Domain;
use super::records::{arn_response, copy, insert_pending, require_active, str_field, tags_of};
use crate::ctx::Ctx;
use crate::data::avro::{self, DatasetType};
use crate::error::ApiError;
use crate::lifecycle;
use crate::state::{Kind, View, Writes};

/// Checks that the schema fits a dataset of type `ty` in a group of domain `domain` (`None`:
/// a custom group). A domain group takes schemas of its own domain, with the fields the domain
/// requires, and a custom group takes custom schemas (developer guide, "Domain dataset groups":
/// "you create a schema for a specific domain" and "Creating schema JSON files"; a schema's
/// `domain` is "The domain of a schema that you created for a dataset in a Domain dataset
/// group", API_DatasetSchema).
fn schema_for(
    inner: &impl crate::state::View,
    schema_arn: &str,
    ty: DatasetType,
    domain: Option<&str>,
) -> Result<(), ApiError> {
    let schema = inner.get(Kind::Schema, schema_arn)?;
    let parsed = avro::parse(schema.str("schema").unwrap_or(""))
        .map_err(|e| ApiError::invalid(format!("Invalid schema: {e}")))?;
    parsed.check_fits(ty).map_err(ApiError::invalid)?;
    let schema_domain = schema.str("domain");
    if schema_domain != domain {
        return Err(ApiError::invalid(format!(
            "Schema {schema_arn} is for {}, but the dataset group is {}",
            schema_domain.map_or("a custom dataset group".to_owned(), |d| format!(
                "the {d} domain"
            )),
            domain.map_or("a custom dataset group".to_owned(), |d| format!(
                "a {d} domain dataset group"
            )),
        )));
    }
    match domain.and_then(Domain::parse) {
        Some(domain) => domain.check_schema(&parsed, ty).map_err(ApiError::invalid),
        None => Ok(()),
    }
}

/// CreateDataset: one dataset per type per group; the schema must fit the type.
pub async fn create_dataset(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let ty = DatasetType::parse(str_field(input, "datasetType")).map_err(ApiError::invalid)?;
    let group_arn = str_field(input, "datasetGroupArn").to_owned();
    let schema_arn = str_field(input, "schemaArn").to_owned();
    let tags = tags_of(input)?;
    let arn = ctx.server.state.mutate(|inner, writes| {
        let group = inner.get(Kind::DatasetGroup, &group_arn)?;
        require_active(group, "Dataset group")?;
        let group_name = group.str("name").unwrap_or("").to_owned();
        let domain = group.str("domain").map(str::to_owned);
        schema_for(inner, &schema_arn, ty, domain.as_deref())?;
        let arn = ctx.arn(&format!("dataset/{group_name}/{}", ty.arn_suffix()));
        if inner.records.contains_key(&arn) {
            return Err(ApiError::exists(&arn));
        }
        if let Some(other) = inner
            .children(Kind::Dataset, Kind::DatasetGroup, &group_arn)
            .find(|d| d.str("name") == Some(str_field(input, "name")))
        {
            return Err(ApiError::exists(other.arn()));
        }
        let mut body = copy(
            input,
            &["name", "schemaArn", "datasetGroupArn", "datasetType"],
        );
        if ty == DatasetType::ActionInteractions {
            // "When you create an Action interactions dataset, Amazon Personalize creates an
            // action interaction event tracker for you" (API_UBS_PutActionInteractions,
            // `trackingId`): its id is the dataset's trackingId.
            body.insert("trackingId".into(), uuid::Uuid::new_v4().to_string().into());
        }
        if ty == DatasetType::Interactions {
            if let Some(t) = inner
                .children(Kind::EventTracker, Kind::DatasetGroup, &group_arn)
                .next()
            {
                body.insert("trackingId".into(), t.body["trackingId"].clone());
            }
        }
        insert_pending(inner, writes, Kind::Dataset, &arn, body, tags)?;
        Ok(arn)
    })?;
    lifecycle::run_create(&ctx.server, &arn, None).await;
    Ok(arn_response(Kind::Dataset, &arn))
}

/// UpdateDataset: replaces the schema (which must fit the type and still hold the imported
/// columns); `latestDatasetUpdate` runs its own lifecycle while the dataset is UPDATE PENDING /
/// UPDATE IN_PROGRESS.
pub async fn update_dataset(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "datasetArn").to_owned();
    let schema_arn = str_field(input, "schemaArn").to_owned();
    ctx.server.state.mutate(|inner, writes: &mut Writes| {
        let dataset = inner.get(Kind::Dataset, &arn)?;
        require_active(dataset, "Dataset")?;
        let ty = DatasetType::parse(dataset.str("datasetType").unwrap_or(""))
            .map_err(ApiError::invalid)?;
        let domain = inner
            .get(
                Kind::DatasetGroup,
                dataset.parent(Kind::DatasetGroup).unwrap_or(""),
            )?
            .str("domain")
            .map(str::to_owned);
        schema_for(inner, &schema_arn, ty, domain.as_deref())?;
        let now = crate::state::now_value();
        let record = inner.records.get_mut(&arn).expect("checked above");
        record.body.insert(
            "latestDatasetUpdate".into(),
            json!({"schemaArn": schema_arn, "status": "CREATE PENDING",
                   "creationDateTime": now, "lastUpdatedDateTime": now}),
        );
        record.set_status("UPDATE PENDING");
        writes.record(inner, &arn);
        Ok(())
    })?;
    let server = ctx.server.clone();
    lifecycle::drive(&server, run_dataset_update(server.clone(), arn.clone())).await;
    Ok(json!({ "datasetArn": arn }))
}

/// The UpdateDataset lifecycle: UPDATE PENDING -> UPDATE IN_PROGRESS -> ACTIVE, with
/// `latestDatasetUpdate` moving alongside; the new schema takes effect at ACTIVE.
pub fn run_dataset_update(
    server: crate::AppState,
    arn: String,
) -> impl std::future::Future<Output = ()> + Send {
    let mut at = tokio::time::Instant::now();
    async move {
        for (dataset_status, update_status) in [
            ("UPDATE IN_PROGRESS", "CREATE IN_PROGRESS"),
            ("ACTIVE", "ACTIVE"),
        ] {
            server.clock.stage(&mut at).await;
            let _ = server.state.mutate(|inner, writes| {
                let Some(record) = inner.records.get_mut(&arn) else {
                    return Ok(());
                };
                if !record.status().starts_with("UPDATE") {
                    return Ok(());
                }
                let now = crate::state::now_value();
                if let Some(update) = record.body.get_mut("latestDatasetUpdate") {
                    update["status"] = update_status.into();
                    update["lastUpdatedDateTime"] = now;
                    if update_status == "ACTIVE" {
                        let schema = update["schemaArn"].clone();
                        record.body.insert("schemaArn".into(), schema);
                    }
                }
                record.set_status(dataset_status);
                writes.record(inner, &arn);
                Ok(())
            });
        }
    }
}
