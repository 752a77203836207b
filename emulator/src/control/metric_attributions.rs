//! Metric attributions: CreateMetricAttribution, UpdateMetricAttribution,
//! ListMetricAttributionMetrics (Describe, List and Delete are the generic ones). What they
//! report, and when, is [`crate::data::metric_reports`].
//!
//! The record is the `MetricAttribution` Describe shape plus two members the projection
//! removes: `metrics` (the metric list, as ListMetricAttributionMetrics answers it) and
//! `reportedSeq` (the log position up to which PutEvents events were published).

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Value};

use super::generic::paginate;
use super::records::{arn_response, copy, insert_created, require_active, str_field};
use crate::ctx::Ctx;
use crate::data::metric_reports::{self, Expression, MAX_METRICS};
use crate::error::{ApiError, ErrorKind};
use crate::lifecycle;
use crate::state::{Kind, View};

/// Checks a metric list against the group's datasets: each `{eventType, expression,
/// metricName}` has a non-empty event type and name, names are unique, the expression is
/// `SAMPLECOUNT()` or a SUM of a numeric column of the group's Interactions or Items schema
/// (API_MetricAttribute), and the list holds 1 to 10 metrics (`MetricAttributes`, "Maximum
/// number of 10 items").
fn check_metrics(inner: &impl View, group: &str, metrics: &[Value]) -> Result<(), ApiError> {
    if metrics.is_empty() {
        return Err(ApiError::invalid(
            "A metric attribution needs at least one metric",
        ));
    }
    if metrics.len() > MAX_METRICS {
        return Err(ApiError::invalid(format!(
            "A metric attribution has at most {MAX_METRICS} metrics, not {}",
            metrics.len()
        )));
    }
    let schemas = metric_reports::group_schemas(inner, group);
    let mut names = HashSet::new();
    for (i, m) in metrics.iter().enumerate() {
        let name = m["metricName"].as_str().unwrap_or("");
        let what = format!("metrics[{i}] ({name})");
        if name.trim().is_empty() {
            return Err(ApiError::invalid(format!("{what}: metricName is empty")));
        }
        if m["eventType"].as_str().unwrap_or("").trim().is_empty() {
            return Err(ApiError::invalid(format!("{what}: eventType is empty")));
        }
        if !names.insert(name.to_owned()) {
            return Err(ApiError::invalid(format!(
                "{what}: the metric name {name} is used twice"
            )));
        }
        let expression = Expression::parse(m["expression"].as_str().unwrap_or(""))
            .map_err(|e| ApiError::invalid(format!("{what}: {e}")))?;
        expression
            .check(&schemas)
            .map_err(|e| ApiError::invalid(format!("{what}: {e}")))?;
    }
    Ok(())
}

fn check_output(config: &Value) -> Result<(), ApiError> {
    if let Some(path) = config["s3DataDestination"]["path"].as_str() {
        metric_reports::check_path(path).map_err(ApiError::invalid)?;
    }
    Ok(())
}

/// Only the members of a MetricAttribute, in the model's order.
fn metric_of(m: &Value) -> Value {
    json!({
        "eventType": m["eventType"],
        "expression": m["expression"],
        "metricName": m["metricName"],
    })
}

/// CreateMetricAttribution: one per dataset group, which must be ACTIVE; metrics checked
/// against its schemas; `CREATE PENDING > CREATE IN_PROGRESS > ACTIVE`. Events stored before
/// it was created are not reported.
pub async fn create_metric_attribution(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let name = str_field(input, "name");
    let group_arn = str_field(input, "datasetGroupArn").to_owned();
    let metrics: Vec<Value> = input
        .get("metrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let output = input
        .get("metricsOutputConfig")
        .cloned()
        .unwrap_or(Value::Null);
    check_output(&output)?;
    let arn = ctx.arn(&format!("metric-attribution/{name}"));
    ctx.server.state.mutate(|inner, writes| {
        let group = inner.get(Kind::DatasetGroup, &group_arn)?;
        require_active(group, "Dataset group")?;
        if let Some(other) = inner
            .children(Kind::MetricAttribution, Kind::DatasetGroup, &group_arn)
            .next()
        {
            return Err(ApiError::new(
                ErrorKind::ResourceAlreadyExists,
                format!(
                    "Dataset group {group_arn} already has a metric attribution: {} (one per dataset group)",
                    other.arn()
                ),
            ));
        }
        check_metrics(inner, &group_arn, &metrics)?;
        let mut body = copy(input, &["name", "datasetGroupArn", "metricsOutputConfig"]);
        body.insert(
            "metrics".into(),
            metrics.iter().map(metric_of).collect::<Vec<_>>().into(),
        );
        body.insert("reportedSeq".into(), json!(inner.next_seq));
        insert_created(
            inner,
            writes,
            Kind::MetricAttribution,
            &arn,
            body,
            Some("CREATE PENDING"),
            BTreeMap::new(),
        )
    })?;
    lifecycle::run_create(&ctx.server, &arn, None).await;
    Ok(arn_response(Kind::MetricAttribution, &arn))
}

/// UpdateMetricAttribution: removes the metrics named in `removeMetrics` (each must exist),
/// then adds `addMetrics` (names must be new), and replaces `metricsOutputConfig` when given;
/// the result is checked as at creation (1 to 10 metrics). The attribution must be ACTIVE; the
/// change applies at once (AWS documents no update status for metric attributions) and the
/// next report uses it.
pub fn update_metric_attribution(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, "metricAttributionArn").to_owned();
    if arn.is_empty() {
        return Err(ApiError::invalid(
            "metricAttributionArn is required: it names the metric attribution to update",
        ));
    }
    let add: Vec<Value> = input
        .get("addMetrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let remove: Vec<String> = input
        .get("removeMetrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let output = input.get("metricsOutputConfig").cloned();
    if add.is_empty() && remove.is_empty() && output.is_none() {
        return Err(ApiError::invalid(
            "Nothing to update: give addMetrics, removeMetrics or metricsOutputConfig",
        ));
    }
    if let Some(output) = &output {
        check_output(output)?;
    }
    ctx.server.state.mutate(|inner, writes| {
        let record = inner.get(Kind::MetricAttribution, &arn)?;
        require_active(record, "Metric attribution")?;
        let group = record.parent(Kind::DatasetGroup).unwrap_or("").to_owned();
        let mut metrics: Vec<Value> = record
            .body
            .get("metrics")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for name in &remove {
            let before = metrics.len();
            metrics.retain(|m| m["metricName"].as_str() != Some(name.as_str()));
            if metrics.len() == before {
                return Err(ApiError::invalid(format!(
                    "removeMetrics: {arn} has no metric named {name}"
                )));
            }
        }
        for m in &add {
            let name = m["metricName"].as_str().unwrap_or("");
            if metrics
                .iter()
                .any(|o| o["metricName"].as_str() == Some(name))
            {
                return Err(ApiError::invalid(format!(
                    "addMetrics: {arn} already has a metric named {name}"
                )));
            }
            metrics.push(metric_of(m));
        }
        check_metrics(inner, &group, &metrics)?;
        let record = inner.records.get_mut(&arn).expect("checked above");
        record.body.insert("metrics".into(), metrics.into());
        if let Some(output) = output {
            record.body.insert("metricsOutputConfig".into(), output);
        }
        record.touch();
        writes.record(inner, &arn);
        Ok(())
    })?;
    Ok(arn_response(Kind::MetricAttribution, &arn))
}

/// ListMetricAttributionMetrics: the attribution's metrics, in the order they were added,
/// paginated like every List.
pub fn list_metric_attribution_metrics(
    ctx: &Ctx,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let arn = str_field(input, "metricAttributionArn");
    if arn.is_empty() {
        return Err(ApiError::invalid(
            "metricAttributionArn is required: it names the metric attribution to list",
        ));
    }
    let inner = ctx.server.state.read();
    let record = inner.get(Kind::MetricAttribution, arn)?;
    let metrics: Vec<Value> = record
        .body
        .get("metrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let n = metrics.len() as u64;
    let items = metrics
        .into_iter()
        .enumerate()
        .map(|(i, m)| (n - i as u64, m))
        .collect();
    paginate("ListMetricAttributionMetrics", arn, input, items, "metrics")
}
