//! The control plane: operation dispatch and what every resource kind shares (Describe, List
//! with pagination, Delete with dependency checks, tags). The kinds' own rules live in
//! [`datasets`], [`solutions`] and [`campaigns`].

pub mod batch;
pub mod campaigns;
pub mod datasets;
pub mod deletion;
pub mod domains;
pub mod exports;
pub mod metric_attributions;
pub mod recipes;
pub mod recommenders;
pub mod solutions;

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ErrorKind};
use crate::lifecycle::{self, Cleanup};
use crate::model;
use crate::state::{now_value, Kind, Record, Txn, View, Write, Writes};
use crate::wire::Ctx;

/// Most tags a resource may carry (Personalize's quota).
pub const MAX_TAGS: usize = 50;

/// Runs control-plane operation `op` on validated `input`.
///
/// # Errors
/// The operation's AWS errors.
pub async fn dispatch(ctx: &Ctx, op: &str, input: Value) -> Result<Value, ApiError> {
    let input = input.as_object().cloned().unwrap_or_default();
    if ctx.server.config.strict_quotas {
        // Checked before the operation's own transaction: two creates racing at the last
        // free place may both pass, where AWS would refuse one.
        if let Some(kind) = kind_of_op(op, "Create", "") {
            crate::quotas::check_count(&*ctx.server.state.read(), kind, &ctx.region)?;
        }
    }
    match op {
        "CreateDatasetGroup" => datasets::create_dataset_group(ctx, &input).await,
        "CreateSchema" => datasets::create_schema(ctx, &input),
        "CreateDataset" => datasets::create_dataset(ctx, &input).await,
        "UpdateDataset" => datasets::update_dataset(ctx, &input).await,
        "CreateDatasetImportJob" => datasets::create_import_job(ctx, &input).await,
        "CreateSolution" => solutions::create_solution(ctx, &input).await,
        "UpdateSolution" => solutions::update_solution(ctx, &input).await,
        "CreateSolutionVersion" => solutions::create_solution_version(ctx, &input).await,
        "StopSolutionVersionCreation" => solutions::stop_solution_version(ctx, &input),
        "GetSolutionMetrics" => solutions::get_solution_metrics(ctx, &input).await,
        "ListRecipes" => recipes::list_recipes(ctx, &input),
        "DescribeRecipe" => recipes::describe_recipe(ctx, &input),
        "DescribeAlgorithm" => recipes::describe_algorithm(ctx, &input),
        "DescribeFeatureTransformation" => recipes::describe_feature_transformation(ctx, &input),
        "CreateCampaign" => campaigns::create_campaign(ctx, &input).await,
        "UpdateCampaign" => campaigns::update_campaign(ctx, &input).await,
        "CreateEventTracker" => campaigns::create_event_tracker(ctx, &input).await,
        "CreateFilter" => campaigns::create_filter(ctx, &input).await,
        "CreateRecommender" => recommenders::create_recommender(ctx, &input).await,
        "UpdateRecommender" => recommenders::update_recommender(ctx, &input).await,
        "StopRecommender" => recommenders::stop_recommender(ctx, &input).await,
        "StartRecommender" => recommenders::start_recommender(ctx, &input).await,
        "CreateMetricAttribution" => {
            metric_attributions::create_metric_attribution(ctx, &input).await
        }
        "UpdateMetricAttribution" => metric_attributions::update_metric_attribution(ctx, &input),
        "ListMetricAttributionMetrics" => {
            metric_attributions::list_metric_attribution_metrics(ctx, &input)
        }
        "CreateBatchInferenceJob" => batch::create_batch_inference_job(ctx, &input).await,
        "CreateBatchSegmentJob" => batch::create_batch_segment_job(ctx, &input).await,
        "CreateDatasetExportJob" => exports::create_dataset_export_job(ctx, &input).await,
        "CreateDataDeletionJob" => deletion::create_data_deletion_job(ctx, &input).await,
        "TagResource" => tag_resource(ctx, &input),
        "UntagResource" => untag_resource(ctx, &input),
        "ListTagsForResource" => list_tags(ctx, &input),
        _ => {
            if let Some(kind) = kind_of_op(op, "Describe", "") {
                describe(ctx, op, kind, &input)
            } else if let Some(kind) = kind_of_op(op, "List", "s") {
                list(ctx, op, kind, &input)
            } else if let Some(kind) = kind_of_op(op, "Delete", "") {
                delete(ctx, kind, &input).await
            } else {
                Err(ApiError::new(
                    ErrorKind::Unsupported,
                    format!("{op} is not supported by personalize-local"),
                ))
            }
        }
    }
}

fn kind_of_op(op: &str, verb: &str, plural: &str) -> Option<Kind> {
    let stem = op.strip_prefix(verb)?.strip_suffix(plural)?;
    Kind::ALL.into_iter().find(|k| k.op_name() == stem)
}

/// The members `keys` of `input` that are present.
pub fn copy(input: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| input.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

/// A string member of the input (the model has already checked presence and type).
pub fn s<'a>(input: &'a Map<String, Value>, key: &str) -> &'a str {
    input.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A new record of `kind` at `arn` with `body` plus ARN, timestamps and (when given) status.
pub fn new_record(
    inner: &mut Txn<'_>,
    kind: Kind,
    arn: &str,
    mut body: Map<String, Value>,
    status: Option<&str>,
) -> Record {
    body.insert(kind.arn_member().into(), arn.into());
    let now = now_value();
    body.insert("creationDateTime".into(), now.clone());
    body.insert("lastUpdatedDateTime".into(), now);
    if let Some(status) = status {
        body.insert("status".into(), status.into());
    }
    Record {
        kind,
        seq: inner.seq(),
        body,
        tags: BTreeMap::new(),
        trained_seq: 0,
    }
}

/// Tags given at creation, checked against the quota.
pub fn tags_of(input: &Map<String, Value>) -> Result<BTreeMap<String, String>, ApiError> {
    let mut tags = BTreeMap::new();
    for tag in input
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        tags.insert(
            tag["tagKey"].as_str().unwrap_or("").to_owned(),
            tag["tagValue"].as_str().unwrap_or("").to_owned(),
        );
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::new(
            ErrorKind::TooManyTags,
            format!("A resource can have at most {MAX_TAGS} tags"),
        ));
    }
    Ok(tags)
}

/// Makes and inserts a new record (see [`new_record`]) with `tags`, refusing an ARN in use.
pub fn insert_created(
    inner: &mut Txn<'_>,
    writes: &mut Writes,
    kind: Kind,
    arn: &str,
    body: Map<String, Value>,
    status: Option<&str>,
    tags: BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let mut record = new_record(inner, kind, arn, body, status);
    record.tags = tags;
    insert_new(inner, writes, arn, record)
}

/// Inserts a new record, refusing an ARN in use.
pub fn insert_new(
    inner: &mut Txn<'_>,
    writes: &mut Writes,
    arn: &str,
    record: Record,
) -> Result<(), ApiError> {
    if inner.records.contains_key(arn) {
        return Err(ApiError::exists(arn));
    }
    inner.records.insert(arn.to_owned(), record);
    writes.record(inner, arn);
    Ok(())
}

/// Fails with ResourceInUseException unless `record` is ACTIVE.
pub fn require_active(record: &Record, what: &str) -> Result<(), ApiError> {
    if record.status() == "ACTIVE" {
        Ok(())
    } else {
        Err(ApiError::in_use(format!(
            "{what} {} is {}, not ACTIVE",
            record.str(record.kind.arn_member()).unwrap_or(""),
            record.status()
        )))
    }
}

/// A create response `{"<kind>Arn": arn}`.
pub fn arn_response(kind: Kind, arn: &str) -> Value {
    json!({ kind.arn_member(): arn })
}

fn describe(
    ctx: &Ctx,
    op: &str,
    kind: Kind,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let arn = s(input, kind.arn_member());
    let inner = ctx.server.state.read();
    let record = inner.get(kind, arn)?;
    let model = model::control();
    let output = model
        .operation(op)
        .and_then(|o| o.output.clone())
        .unwrap_or_default();
    let key = model
        .members(&output)
        .into_iter()
        .next()
        .map(|m| m.0)
        .unwrap_or_default();
    Ok(json!({ key: record.body }))
}

fn list(ctx: &Ctx, op: &str, kind: Kind, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let model = model::control();
    let output = model
        .operation(op)
        .and_then(|o| o.output.clone())
        .unwrap_or_default();
    let (list_key, list_shape) = model
        .members(&output)
        .into_iter()
        .find(|(k, _)| k != "nextToken")
        .unwrap_or_default();
    let summary = model
        .shape(&list_shape)
        .and_then(|s| s["member"]["shape"].as_str())
        .unwrap_or("")
        .to_owned();
    // Any `...Arn` member of the input narrows the list to that parent.
    let parents: Vec<(&String, &str)> = input
        .iter()
        .filter(|(k, _)| k.ends_with("Arn"))
        .filter_map(|(k, v)| v.as_str().map(|v| (k, v)))
        .collect();
    let scope: Vec<String> = parents.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let inner = ctx.server.state.read();
    let mut records: Vec<&Record> = inner
        .records
        .iter()
        .filter(|(arn, r)| r.kind == kind && ctx.in_region(arn))
        .map(|(_, r)| r)
        .filter(|r| parents.iter().all(|(k, v)| in_parent(r, k, v)))
        .collect();
    records.sort_by_key(|r| std::cmp::Reverse(r.seq));
    let items: Vec<(u64, Value)> = records
        .into_iter()
        .map(|r| {
            let summary = model.project(&summary, &Value::Object(r.body.clone()));
            (r.seq, summary)
        })
        .collect();
    paginate(op, &scope.join(","), input, items, &list_key)
}

/// Whether `record` belongs to the parent a List input names in `member` (e.g.
/// `ListDatasets(datasetGroupArn)`). A parent is matched on the record's member of the same
/// name, except where the record names it through a child: ListCampaigns takes a
/// `solutionArn` and lists "the campaigns that use the given solution" (API_ListCampaigns),
/// while a campaign names a solution version, `solution/NAME/ID`.
fn in_parent(record: &Record, member: &str, parent: &str) -> bool {
    match (record.kind, member) {
        (Kind::Campaign, "solutionArn") => uses_solution(record, parent),
        _ => record.str(member) == Some(parent),
    }
}

/// Whether `campaign` serves a version of `solution_arn`, now or once its pending update is
/// ACTIVE (campaigns name a version, `solution/NAME/ID`).
fn uses_solution(campaign: &Record, solution_arn: &str) -> bool {
    [
        campaign.str("solutionVersionArn"),
        campaign
            .body
            .get("latestCampaignUpdate")
            .and_then(|u| u["solutionVersionArn"].as_str()),
    ]
    .into_iter()
    .flatten()
    .any(|v| version_of(v, solution_arn))
}

/// Whether `version_arn` (`.../solution/NAME/ID`) is a version of `solution_arn`.
pub fn version_of(version_arn: &str, solution_arn: &str) -> bool {
    version_arn
        .strip_prefix(solution_arn)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// One page of `items` as `{list_key: [...], nextToken?}`. `items` come newest first, each
/// with its creation sequence number: a token is a cursor (the last sequence number handed
/// out), so resources created or deleted between pages never make a later page repeat or skip
/// one (AWS documents a `nextToken` as the place to continue from, e.g. API_ListCampaigns).
/// Tokens are opaque and bound to `op` and to `scope` (the call's filter).
///
/// # Errors
/// InvalidNextTokenException for a token this operation, with this filter, did not issue.
pub fn paginate(
    op: &str,
    scope: &str,
    input: &Map<String, Value>,
    items: Vec<(u64, Value)>,
    list_key: &str,
) -> Result<Value, ApiError> {
    let max = input
        .get("maxResults")
        .and_then(Value::as_u64)
        .unwrap_or(100) as usize;
    let after = match input.get("nextToken").and_then(Value::as_str) {
        None => u64::MAX,
        Some(token) => decode_token(op, scope, token).ok_or_else(|| {
            ApiError::new(
                ErrorKind::InvalidNextToken,
                "The nextToken is not valid for this call",
            )
        })?,
    };
    let mut rest = items.into_iter().filter(|(seq, _)| *seq < after).peekable();
    let mut page = Vec::new();
    let mut last = None;
    while page.len() < max {
        let Some((seq, item)) = rest.next() else {
            break;
        };
        page.push(item);
        last = Some(seq);
    }
    let mut out = json!({ list_key: page });
    if let (Some(last), Some(_)) = (last, rest.peek()) {
        out["nextToken"] = encode_token(op, scope, last).into();
    }
    Ok(out)
}

fn encode_token(op: &str, scope: &str, cursor: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{op}\n{scope}\n{cursor}"))
}

fn decode_token(op: &str, scope: &str, token: &str) -> Option<u64> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (issued_for, cursor) = text.rsplit_once('\n')?;
    (issued_for == format!("{op}\n{scope}")).then_some(())?;
    cursor.parse().ok()
}

/// Deletes a resource: dependency checks, then the DELETE lifecycle (schemas, which have no
/// status, go at once).
async fn delete(ctx: &Ctx, kind: Kind, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = s(input, kind.arn_member()).to_owned();
    let server = &ctx.server;
    let immediate = server.state.mutate(|inner, writes| {
        let record = inner.get(kind, &arn)?;
        check_dependants(inner, kind, &arn)?;
        if kind == Kind::Schema {
            inner.records.remove(&arn);
            writes.record(inner, &arn);
            return Ok(true);
        }
        let status = record.status();
        if status.contains("PENDING")
            || status.contains("IN_PROGRESS")
            || status.contains("STOPPING")
        {
            return Err(ApiError::in_use(format!("{arn} is {status}")));
        }
        let record = inner.records.get_mut(&arn).expect("checked above");
        record.set_status("DELETE PENDING");
        writes.record(inner, &arn);
        Ok(false)
    })?;
    if !immediate {
        let cleanup = cleanup_for(kind, &arn);
        lifecycle::drive(server, lifecycle::delete(server.clone(), arn, cleanup)).await;
    }
    Ok(json!({}))
}

fn check_dependants(inner: &Txn<'_>, kind: Kind, arn: &str) -> Result<(), ApiError> {
    let blocking: &[(Kind, &str)] = match kind {
        Kind::DatasetGroup => &[
            (Kind::Dataset, "datasetGroupArn"),
            (Kind::Solution, "datasetGroupArn"),
            (Kind::EventTracker, "datasetGroupArn"),
            (Kind::Recommender, "datasetGroupArn"),
            (Kind::MetricAttribution, "datasetGroupArn"),
        ],
        Kind::Schema => &[(Kind::Dataset, "schemaArn")],
        Kind::Solution => &[],
        Kind::Dataset => &[],
        _ => &[],
    };
    for (child, key) in blocking {
        if let Some(c) = inner.children(*child, key, arn).next() {
            return Err(ApiError::in_use(format!(
                "{arn} is in use by {}",
                c.str(child.arn_member()).unwrap_or("")
            )));
        }
    }
    if kind == Kind::Dataset {
        // API_DeleteDataset: "You can't delete a dataset if an associated DatasetImportJob or
        // SolutionVersion is in the CREATE PENDING or IN PROGRESS state." A version is
        // associated with the datasets of the group it trains on.
        let group = inner.get(kind, arn)?.str("datasetGroupArn").unwrap_or("");
        if let Some(v) = inner
            .children(Kind::SolutionVersion, "datasetGroupArn", group)
            .find(|v| matches!(v.status(), "CREATE PENDING" | "CREATE IN_PROGRESS"))
        {
            return Err(ApiError::in_use(format!(
                "{arn} is used by a solution version in training: {}",
                v.str("solutionVersionArn").unwrap_or("")
            )));
        }
        if let Some(job) = inner
            .children(Kind::DatasetImportJob, "datasetArn", arn)
            .find(|j| j.status().starts_with("CREATE ") && j.status() != "CREATE FAILED")
        {
            return Err(ApiError::in_use(format!(
                "{arn} has an import job in progress: {}",
                job.str("datasetImportJobArn").unwrap_or("")
            )));
        }
    }
    if kind == Kind::Solution {
        if let Some(c) = inner
            .records
            .values()
            .find(|r| r.kind == Kind::Campaign && uses_solution(r, arn))
        {
            return Err(ApiError::in_use(format!(
                "{arn} is in use by {}",
                c.str("campaignArn").unwrap_or("")
            )));
        }
        if let Some(v) = inner
            .children(Kind::SolutionVersion, "solutionArn", arn)
            .find(|v| {
                matches!(
                    v.status(),
                    "CREATE PENDING" | "CREATE IN_PROGRESS" | "CREATE STOPPING"
                )
            })
        {
            return Err(ApiError::in_use(format!(
                "{arn} has a solution version in training: {}",
                v.str("solutionVersionArn").unwrap_or("")
            )));
        }
    }
    Ok(())
}

/// What deleting `arn` of `kind` removes with it: a dataset its rows and import jobs, a solution
/// its versions and their models, a dataset group its filters and event log, an event tracker
/// the `trackingId` on the group's interactions dataset.
pub fn cleanup_for(kind: Kind, arn: &str) -> Cleanup {
    let arn = arn.to_owned();
    Box::new(move |inner: &mut Txn<'_>, writes: &mut Writes| {
        let remove_children = |inner: &mut Txn<'_>, writes: &mut Writes, child: Kind, key: &str| {
            let arns: Vec<String> = inner
                .children(child, key, &arn)
                .filter_map(|r| r.str(child.arn_member()).map(str::to_owned))
                .collect();
            for a in &arns {
                inner.records.remove(a);
                writes.push(Write::Record(a.clone(), None));
            }
            arns
        };
        match kind {
            Kind::Dataset => {
                writes.push(Write::Rows(arn.clone(), None));
                remove_children(inner, writes, Kind::DatasetImportJob, "datasetArn");
                remove_children(inner, writes, Kind::DatasetExportJob, "datasetArn");
            }
            Kind::Solution => {
                for v in remove_children(inner, writes, Kind::SolutionVersion, "solutionArn") {
                    writes.push(Write::DropModel(v));
                }
            }
            Kind::Recommender => writes.push(Write::DropModel(arn.clone())),
            Kind::DatasetGroup => {
                remove_children(inner, writes, Kind::Filter, "datasetGroupArn");
                remove_children(inner, writes, Kind::DataDeletionJob, "datasetGroupArn");
                writes.push(Write::DropLog(arn.clone()));
            }
            Kind::EventTracker => {
                let datasets: Vec<String> = inner
                    .records
                    .iter()
                    // An Action interactions dataset's trackingId is its own, not a tracker's.
                    .filter(|(_, r)| {
                        r.kind == Kind::Dataset
                            && r.body.contains_key("trackingId")
                            && r.str("datasetType")
                                .is_some_and(|t| t.eq_ignore_ascii_case("interactions"))
                    })
                    .map(|(a, _)| a.clone())
                    .collect();
                // The tracker is already gone: clear trackingId on datasets of groups that no
                // longer have one.
                for d in datasets {
                    let group = inner.records[&d]
                        .str("datasetGroupArn")
                        .unwrap_or("")
                        .to_owned();
                    if inner
                        .children(Kind::EventTracker, "datasetGroupArn", &group)
                        .next()
                        .is_none()
                    {
                        if let Some(r) = inner.records.get_mut(&d) {
                            r.body.remove("trackingId");
                        }
                        writes.record(inner, &d);
                    }
                }
            }
            _ => {}
        }
    })
}

fn tag_target<'a>(inner: &'a mut Txn<'_>, arn: &str) -> Result<&'a mut Record, ApiError> {
    inner
        .records
        .get_mut(arn)
        .ok_or_else(|| ApiError::not_found(arn))
}

fn tag_resource(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = s(input, "resourceArn").to_owned();
    let new_tags = tags_of(input)?;
    ctx.server.state.mutate(|inner, writes| {
        let record = tag_target(inner, &arn)?;
        let mut merged = record.tags.clone();
        merged.extend(new_tags);
        if merged.len() > MAX_TAGS {
            return Err(ApiError::new(
                ErrorKind::TooManyTags,
                format!("A resource can have at most {MAX_TAGS} tags"),
            ));
        }
        record.tags = merged;
        writes.record(inner, &arn);
        Ok(json!({}))
    })
}

fn untag_resource(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = s(input, "resourceArn").to_owned();
    let keys: Vec<String> = input
        .get("tagKeys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    if keys.len() > MAX_TAGS {
        return Err(ApiError::new(
            ErrorKind::TooManyTagKeys,
            format!("At most {MAX_TAGS} tag keys per call"),
        ));
    }
    ctx.server.state.mutate(|inner, writes| {
        let record = tag_target(inner, &arn)?;
        for k in &keys {
            record.tags.remove(k);
        }
        writes.record(inner, &arn);
        Ok(json!({}))
    })
}

fn list_tags(ctx: &Ctx, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = s(input, "resourceArn");
    let inner = ctx.server.state.read();
    let record = inner
        .records
        .get(arn)
        .ok_or_else(|| ApiError::not_found(arn))?;
    let tags: Vec<Value> = record
        .tags
        .iter()
        .map(|(k, v)| json!({"tagKey": k, "tagValue": v}))
        .collect();
    Ok(json!({ "tags": tags }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_operation_and_filter() {
        let t = encode_token("ListSchemas", "", 5);
        assert_eq!(decode_token("ListSchemas", "", &t), Some(5));
        assert_eq!(decode_token("ListDatasets", "", &t), None);
        assert_eq!(decode_token("ListSchemas", "", "!!"), None);
        let t = encode_token("ListDatasets", "datasetGroupArn=a", 5);
        assert_eq!(decode_token("ListDatasets", "datasetGroupArn=b", &t), None);
        assert_eq!(decode_token("ListDatasets", "", &t), None);
    }

    fn numbered(seqs: &[u64]) -> Vec<(u64, Value)> {
        seqs.iter().map(|&s| (s, Value::from(s))).collect()
    }

    fn all_pages(items: impl Fn() -> Vec<(u64, Value)>) -> Vec<Value> {
        let mut input = Map::new();
        input.insert("maxResults".into(), 2.into());
        let mut seen = Vec::new();
        loop {
            let page = paginate("ListX", "", &input, items(), "xs").unwrap();
            seen.extend(page["xs"].as_array().unwrap().clone());
            match page.get("nextToken") {
                Some(t) => {
                    input.insert("nextToken".into(), t.clone());
                }
                None => break,
            }
        }
        seen
    }

    #[test]
    fn pages_cover_everything_once() {
        let seen = all_pages(|| numbered(&[5, 4, 3, 2, 1]));
        assert_eq!(
            seen,
            numbered(&[5, 4, 3, 2, 1])
                .into_iter()
                .map(|i| i.1)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_resource_created_between_pages_moves_nothing() {
        // The second call sees one more (newer) resource: an offset would repeat item 3.
        let calls = std::cell::Cell::new(0);
        let seen = all_pages(|| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                numbered(&[5, 4, 3, 2, 1])
            } else {
                numbered(&[6, 5, 4, 3, 2, 1])
            }
        });
        assert_eq!(
            seen,
            numbered(&[5, 4, 3, 2, 1])
                .into_iter()
                .map(|i| i.1)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_list_filter_matches_a_member_of_the_listed_kind() {
        // The audit of issue 13: each `...Arn` member of a List input must select records
        // through `in_parent`, either on a member the kind's Describe shape has, or through an
        // explicit rule (ListCampaigns' solutionArn).
        let model = model::control();
        for kind in Kind::ALL {
            let op = format!("List{}s", kind.op_name());
            let input = model.operation(&op).and_then(|o| o.input.clone()).unwrap();
            let described = model::control()
                .members(kind.op_name())
                .into_iter()
                .map(|m| m.0)
                .collect::<Vec<_>>();
            for (member, _) in model.members(&input) {
                if !member.ends_with("Arn") {
                    continue;
                }
                let explicit = matches!((kind, member.as_str()), (Kind::Campaign, "solutionArn"));
                assert!(
                    explicit || described.contains(&member),
                    "{op}({member}) matches no member of {}",
                    kind.op_name()
                );
            }
        }
        let mut campaign = Record {
            kind: Kind::Campaign,
            seq: 1,
            body: Map::new(),
            tags: BTreeMap::new(),
            trained_seq: 0,
        };
        campaign
            .body
            .insert("solutionVersionArn".into(), "arn:s/solution/a/1".into());
        assert!(in_parent(&campaign, "solutionArn", "arn:s/solution/a"));
        assert!(!in_parent(&campaign, "solutionArn", "arn:s/solution/ab"));
        assert!(!in_parent(&campaign, "solutionArn", "arn:s/solution/a/1"));
    }

    #[test]
    fn op_names_map_to_kinds() {
        assert_eq!(
            kind_of_op("ListDatasetGroups", "List", "s"),
            Some(Kind::DatasetGroup)
        );
        assert_eq!(
            kind_of_op("DescribeSolutionVersion", "Describe", ""),
            Some(Kind::SolutionVersion)
        );
        assert_eq!(
            kind_of_op("DeleteSolutionVersion", "Delete", ""),
            Some(Kind::SolutionVersion)
        );
        assert_eq!(kind_of_op("DescribeAlgorithm", "Describe", ""), None);
    }
}
