//! Records: what every Create does with its input (copy members, read tags) and how a new
//! resource enters the store (ARN, timestamps, status, tags, an ARN in use refused), plus the
//! checks and answers the kinds share (ACTIVE required, `{"<kind>Arn": ...}`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::{ApiError, ErrorKind};
use crate::state::{now_value, Kind, Record, Txn, Writes};

/// Most tags a resource may carry (Personalize's quota).
pub const MAX_TAGS: usize = 50;

/// The members `keys` of `input` that are present.
pub fn copy(input: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| input.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

/// A string member of the input (the model has already checked presence and type).
pub fn str_field<'a>(input: &'a Map<String, Value>, key: &str) -> &'a str {
    input.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The `path` of `member.<inner>` (`jobInput.s3DataSource`, `jobOutput.s3DataDestination`).
pub fn path_of<'a>(input: &'a Map<String, Value>, member: &str, inner: &str) -> &'a str {
    input
        .get(member)
        .and_then(|m| m.get(inner))
        .and_then(|d| d.get("path"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Checks a batch job's `jobInput.s3DataSource.path` (an `s3://` location) and
/// `jobOutput.s3DataDestination.path` (an output prefix).
///
/// # Errors
/// InvalidInputException naming the member.
pub fn check_job_paths(input: &Map<String, Value>) -> Result<(), ApiError> {
    crate::data::objects::parse_location(path_of(input, "jobInput", "s3DataSource"))
        .map_err(|e| ApiError::invalid(format!("jobInput.s3DataSource.path: {e}")))?;
    crate::data::batch::Output::parse(path_of(input, "jobOutput", "s3DataDestination"))
        .map_err(|e| ApiError::invalid(format!("jobOutput.s3DataDestination.path: {e}")))?;
    Ok(())
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

/// [`insert_created`] with the status every create lifecycle starts from, CREATE PENDING.
pub fn insert_pending(
    inner: &mut Txn<'_>,
    writes: &mut Writes,
    kind: Kind,
    arn: &str,
    body: Map<String, Value>,
    tags: BTreeMap<String, String>,
) -> Result<(), ApiError> {
    insert_created(inner, writes, kind, arn, body, Some("CREATE PENDING"), tags)
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
            record.arn(),
            record.status()
        )))
    }
}

/// A create response `{"<kind>Arn": arn}`.
pub fn arn_response(kind: Kind, arn: &str) -> Value {
    json!({ kind.arn_member(): arn })
}
