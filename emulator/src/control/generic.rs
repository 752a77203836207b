//! The operations every resource kind shares, driven by the service model: Describe (the
//! record under the output's one member), List (newest first, narrowed by the input's parent
//! ARNs, paginated with cursor tokens) and Delete (dependency checks, then the DELETE
//! lifecycle and what the kind removes with it).

use base64::Engine;
use serde_json::{json, Map, Value};

use super::records::str_field;
use crate::ctx::Ctx;
use crate::error::{ApiError, ErrorKind};
use crate::lifecycle::{self, Cleanup};
use crate::model;
use crate::state::{Kind, Record, Txn, View, Write, Writes};

/// `Describe<Kind>` (`DescribeDataset`...): the record under the output shape's one member.
///
/// # Errors
/// ResourceNotFoundException for an ARN of no `kind` record.
pub fn describe(
    ctx: &Ctx,
    op: &str,
    kind: Kind,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let arn = str_field(input, kind.arn_member());
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

/// `List<Kind>s` (`ListDatasets`...): the kind's records in the request's region, newest first,
/// narrowed by every `...Arn` member of the input (the record's parent of that kind, or for
/// ListCampaigns' `solutionArn` the solution of the version it serves), projected onto the
/// summary shape and paginated.
///
/// # Errors
/// InvalidNextTokenException (see [`paginate`]).
pub fn list(
    ctx: &Ctx,
    op: &str,
    kind: Kind,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
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
/// `ListDatasets(datasetGroupArn)`): the record's parent of that kind ([`Record::parent`]),
/// except where the record names it through a child: ListCampaigns takes a `solutionArn` and
/// lists "the campaigns that use the given solution" (API_ListCampaigns), while a campaign
/// names a solution version, `solution/NAME/ID` ([`Record::serves_solution`]).
fn in_parent(record: &Record, member: &str, parent_arn: &str) -> bool {
    match (record.kind, Kind::of_arn_member(member)) {
        (Kind::Campaign, Some(Kind::Solution)) => record.serves_solution(parent_arn),
        (_, Some(parent)) => record.parent(parent) == Some(parent_arn),
        (_, None) => false,
    }
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
///
/// # Errors
/// ResourceNotFoundException, or ResourceInUseException while the resource is busy or has
/// dependants.
pub async fn delete(ctx: &Ctx, kind: Kind, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = str_field(input, kind.arn_member()).to_owned();
    let server = &ctx.server;
    let immediate = server.state.mutate(|inner, writes| {
        let record = inner.get(kind, &arn)?;
        check_dependants(inner, kind, &arn)?;
        if kind == Kind::Schema {
            inner.records.remove(&arn);
            writes.record(inner, &arn);
            return Ok(true);
        }
        if record.is_busy() {
            return Err(ApiError::in_use(format!("{arn} is {}", record.status())));
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
    // The children that block a delete (the others go with their parent: see cleanup_for).
    let blocking: &[Kind] = match kind {
        Kind::DatasetGroup => &[
            Kind::Dataset,
            Kind::Solution,
            Kind::EventTracker,
            Kind::Recommender,
            Kind::MetricAttribution,
        ],
        Kind::Schema => &[Kind::Dataset],
        _ => &[],
    };
    for child in blocking {
        if let Some(c) = inner.children(*child, kind, arn).next() {
            return Err(ApiError::in_use(format!("{arn} is in use by {}", c.arn())));
        }
    }
    if kind == Kind::Dataset {
        // API_DeleteDataset: "You can't delete a dataset if an associated DatasetImportJob or
        // SolutionVersion is in the CREATE PENDING or IN PROGRESS state." A version is
        // associated with the datasets of the group it trains on.
        let group = inner
            .get(kind, arn)?
            .parent(Kind::DatasetGroup)
            .unwrap_or("");
        if let Some(v) = inner
            .children(Kind::SolutionVersion, Kind::DatasetGroup, group)
            .find(|v| matches!(v.status(), "CREATE PENDING" | "CREATE IN_PROGRESS"))
        {
            return Err(ApiError::in_use(format!(
                "{arn} is used by a solution version in training: {}",
                v.arn()
            )));
        }
        if let Some(job) = inner
            .children(Kind::DatasetImportJob, Kind::Dataset, arn)
            .find(|j| j.status().starts_with("CREATE ") && j.status() != "CREATE FAILED")
        {
            return Err(ApiError::in_use(format!(
                "{arn} has an import job in progress: {}",
                job.arn()
            )));
        }
    }
    if kind == Kind::Solution {
        if let Some(c) = inner
            .records
            .values()
            .find(|r| r.kind == Kind::Campaign && r.serves_solution(arn))
        {
            return Err(ApiError::in_use(format!("{arn} is in use by {}", c.arn())));
        }
        if let Some(v) = inner
            .children(Kind::SolutionVersion, Kind::Solution, arn)
            .find(|v| {
                matches!(
                    v.status(),
                    "CREATE PENDING" | "CREATE IN_PROGRESS" | "CREATE STOPPING"
                )
            })
        {
            return Err(ApiError::in_use(format!(
                "{arn} has a solution version in training: {}",
                v.arn()
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
        let remove_children = |inner: &mut Txn<'_>, writes: &mut Writes, child: Kind| {
            let arns: Vec<String> = inner
                .children(child, kind, &arn)
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
                remove_children(inner, writes, Kind::DatasetImportJob);
                remove_children(inner, writes, Kind::DatasetExportJob);
            }
            Kind::Solution => {
                for v in remove_children(inner, writes, Kind::SolutionVersion) {
                    writes.push(Write::DropModel(v));
                }
            }
            Kind::Recommender => writes.push(Write::DropModel(arn.clone())),
            Kind::DatasetGroup => {
                remove_children(inner, writes, Kind::Filter);
                remove_children(inner, writes, Kind::DataDeletionJob);
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
                        .parent(Kind::DatasetGroup)
                        .unwrap_or("")
                        .to_owned();
                    if inner
                        .children(Kind::EventTracker, Kind::DatasetGroup, &group)
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

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

    /// The items of [`numbered`] without their sequence numbers.
    fn values(seqs: &[u64]) -> Vec<Value> {
        numbered(seqs).into_iter().map(|i| i.1).collect()
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
        assert_eq!(seen, values(&[5, 4, 3, 2, 1]));
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
        assert_eq!(seen, values(&[5, 4, 3, 2, 1]));
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
                // ... and the member names one of the kind's declared parents, so the filter
                // goes through the typed view (Record::parent), not a string key.
                let declared =
                    Kind::of_arn_member(&member).is_some_and(|p| kind.parents().contains(&p));
                assert!(
                    explicit || declared,
                    "{op}({member}) names no parent of {}",
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
}
