//! Batch inference: the IN_PROGRESS work of a batch inference job. Each line of the input
//! (JSON Lines, a file or every object under a prefix) is answered by the same code as
//! GetRecommendations / GetPersonalizedRanking (`data::runtime::serving`), and the answers
//! are written as `<output path><input file name>.out`, one JSON line per input line.
//!
//! Formats (developer guide, "Preparing input data for batch recommendations" and "Batch
//! inference job output examples"): USER_PERSONALIZATION and POPULAR_ITEMS recipes read
//! `{"userId": "..."}`, RELATED_ITEMS `{"itemId": "..."}`, PERSONALIZED_RANKING
//! `{"userId": "...", "itemList": [...]}`, each optionally with `filterValues`; every output
//! line is `{"input": <the line>, "output": {"recommendedItems": [...], "scores": [...]},
//! "error": null}`. A line that cannot be answered keeps its place with `"output": null` and
//! `"error"` saying why, so one bad line does not fail the job.

use serde_json::{json, Map, Value};

use super::objects;
use super::runtime::{self, FilterRequest, Source};
use crate::lifecycle::Apply;
use crate::state::{Kind, Txn, View, Writes};
use crate::AppState;

/// Most records one job reads: "The operation can handle up to 50 million records"
/// (API_CreateBatchInferenceJob).
pub const MAX_RECORDS: usize = 50_000_000;

/// Most items of one line's `itemList`: GetPersonalizedRanking's `inputList` limit (500).
pub const MAX_ITEM_LIST: usize = runtime::MAX_NUM_RESULTS as usize;

/// Refuses the recipes AWS gives no batch recommendations for: "You can't get batch
/// recommendations with the Trending-Now or Next-Best-Action recipes" (developer guide,
/// Batch inference job output examples). Next-Best-Action is not implemented at all.
///
/// # Errors
/// The message of the InvalidInputException.
pub fn check_recipe(recipe: &str) -> Result<(), String> {
    match recipe {
        "aws-trending-now" => Err(
            "You can't get batch recommendations with the Trending-Now recipe (aws-trending-now)"
                .into(),
        ),
        _ if super::segment::is_segmentation(recipe) => Err(format!(
            "{recipe} is a USER_SEGMENTATION recipe: its solution versions answer batch segment \
             jobs (CreateBatchSegmentJob), not batch inference jobs"
        )),
        _ => Ok(()),
    }
}

/// A job's output location: `s3://bucket/` or `s3://bucket/prefix/` (a folder; a path without
/// a trailing `/` is taken as that folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    bucket: String,
    prefix: String,
}

impl Output {
    /// Parses `s3://bucket[/prefix]`.
    ///
    /// # Errors
    /// When the path is not an S3 URL with a bucket.
    pub fn parse(path: &str) -> Result<Self, String> {
        let rest = path
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{path:?} must be an s3:// URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{path:?} has no bucket"));
        }
        let mut prefix = prefix.to_owned();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            prefix,
        })
    }

    /// Where the output of the input object `name` (`s3://b/k/file.json`) goes:
    /// `<output path><input file name>.out`.
    pub fn location_for(&self, name: &str) -> String {
        let file = name.rsplit('/').next().unwrap_or(name);
        self.location(&format!("{file}.out"))
    }

    /// The object `file` in the output folder.
    pub fn location(&self, file: &str) -> String {
        format!("s3://{}/{}{file}", self.bucket, self.prefix)
    }
}

/// What a job needs from its record, read once.
struct Job {
    version_arn: String,
    recipe: String,
    recipe_type: &'static str,
    filter_arn: Option<String>,
    config: Option<Value>,
    num_results: usize,
    input: String,
    output: Output,
}

fn job_of(server: &AppState, job_arn: &str) -> Result<Job, String> {
    let inner = server.state.read();
    let job = inner
        .get(Kind::BatchInferenceJob, job_arn)
        .map_err(|e| e.message)?;
    let version_arn = job.parent(Kind::SolutionVersion).unwrap_or("").to_owned();
    let version = inner
        .get(Kind::SolutionVersion, &version_arn)
        .map_err(|_| format!("The solution version {version_arn} no longer exists"))?;
    if version.status() != "ACTIVE" {
        return Err(format!(
            "The solution version {version_arn} is {}, not ACTIVE",
            version.status()
        ));
    }
    let recipe = super::training::recipe_name(version.recipe_arn().unwrap_or(""))
        .unwrap_or("")
        .to_owned();
    let recipe_type = personalize_recommender::recipe(&recipe)
        .map(|r| r.recipe_type)
        .ok_or_else(|| format!("The solution version's recipe {recipe:?} is not known"))?;
    let path = |member: &str, inner: &str| {
        job.body
            .get(member)
            .and_then(|m| m.get(inner))
            .and_then(|d| d.get("path"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Ok(Job {
        recipe_type,
        recipe,
        filter_arn: job.str("filterArn").map(str::to_owned),
        config: job.body.get("batchInferenceJobConfig").cloned(),
        num_results: job
            .body
            .get("numResults")
            .and_then(Value::as_u64)
            .unwrap_or(runtime::DEFAULT_NUM_RESULTS) as usize,
        input: path("jobInput", "s3DataSource"),
        output: Output::parse(&path("jobOutput", "s3DataDestination"))?,
        version_arn,
    })
}

/// The job's work: read the input, answer every line, write the `.out` files. `Err` is the
/// failureReason (input unreadable or empty, too many records, output not writable).
pub async fn run(server: AppState, job_arn: String) -> Result<Apply, String> {
    let job = job_of(&server, &job_arn)?;
    check_recipe(&job.recipe)?;
    // The model must load before any line is answered: a missing model fails the job, it does
    // not become one error per line.
    server.state.model(&job.version_arn)?;
    let region = super::region_of_arn(&job_arn).to_owned();
    let objects = objects::fetch(&server.config, &region, &job.input).await?;
    let output = job.output.clone();
    let answered = {
        let server = server.clone();
        tokio::task::spawn_blocking(move || answer_objects(&server, &job, &objects))
            .await
            .map_err(|e| format!("batch inference failed: {e}"))??
    };
    for (name, bytes) in answered {
        objects::store(&server.config, &region, &output.location_for(&name), bytes).await?;
    }
    Ok(Box::new(|_: &mut Txn<'_>, _: &mut Writes| {}))
}

/// Every object's lines answered: (object name, output bytes).
fn answer_objects(
    server: &AppState,
    job: &Job,
    objects: &[(String, Vec<u8>)],
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut records = 0usize;
    for (_, bytes) in objects {
        records += lines(bytes).count();
    }
    if records == 0 {
        return Err(format!("{} holds no input records", job.input));
    }
    if records > MAX_RECORDS {
        return Err(format!(
            "{} holds {records} records; a batch inference job reads at most {MAX_RECORDS}",
            job.input
        ));
    }
    let mut out = Vec::new();
    for (name, bytes) in objects {
        let mut text = Vec::new();
        for line in lines(bytes) {
            let answer = answer_line(server, job, line);
            serde_json::to_writer(&mut text, &answer).map_err(|e| e.to_string())?;
            text.push(b'\n');
        }
        out.push((name.clone(), text));
    }
    Ok(out)
}

/// The non-blank lines of an object.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
}

/// One output line for one input line.
fn answer_line(server: &AppState, job: &Job, line: &[u8]) -> Value {
    let parsed: Result<Value, String> =
        serde_json::from_slice(line).map_err(|e| format!("The line is not valid JSON: {e}"));
    let (input, result) = match parsed {
        Ok(value) => {
            let result = match value.as_object() {
                Some(object) => answer(server, job, object),
                None => Err("The line is not a JSON object".to_owned()),
            };
            (value, result)
        }
        Err(e) => (
            Value::String(String::from_utf8_lossy(line).into_owned()),
            Err(e),
        ),
    };
    match result {
        Ok(output) => json!({"input": input, "output": output, "error": null}),
        Err(error) => json!({"input": input, "output": null, "error": error}),
    }
}

fn string_member<'a>(line: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    match line.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 256 => Ok(Some(s)),
        Some(other) => Err(format!(
            "{key} must be a string of 1 to 256 characters, got {other}"
        )),
    }
}

fn required<'a>(
    line: &'a Map<String, Value>,
    key: &str,
    recipe_type: &str,
) -> Result<&'a str, String> {
    string_member(line, key)?.ok_or_else(|| {
        format!("{key} is required: a {recipe_type} solution version answers lines with {key}")
    })
}

/// The `{"recommendedItems": [...], "scores": [...]}` of one line.
fn answer(server: &AppState, job: &Job, line: &Map<String, Value>) -> Result<Value, String> {
    let filter_values = match line.get("filterValues") {
        None | Some(Value::Null) => None,
        Some(Value::Object(values)) => {
            if let Some((k, v)) = values.iter().find(|(_, v)| !v.is_string()) {
                return Err(format!("filterValues.{k} must be a string, got {v}"));
            }
            Some(values)
        }
        Some(other) => return Err(format!("filterValues must be an object, got {other}")),
    };
    let request = FilterRequest {
        arn: job.filter_arn.as_deref(),
        values: filter_values,
    };
    let serving = |user: Option<&str>| {
        let source = Source::version(&*server.state.read(), &job.version_arn, job.config.clone())
            .map_err(|e| e.message)?;
        runtime::serving(server, source, &request, user).map_err(|e| e.message)
    };
    let ty = job.recipe_type;
    let scored = match ty {
        "RELATED_ITEMS" => {
            let item = required(line, "itemId", ty)?;
            serving(None)?.recommend(None, Some(item), job.num_results)
        }
        "PERSONALIZED_RANKING" => {
            let user = required(line, "userId", ty)?;
            let list = item_list(line)?;
            serving(Some(user))?.rank(Some(user), &list)
        }
        _ => {
            let user = required(line, "userId", ty)?;
            serving(Some(user))?.recommend(Some(user), None, job.num_results)
        }
    }
    .map_err(|e| e.message)?;
    let items: Vec<&str> = scored.iter().map(|s| s.item_id.as_str()).collect();
    Ok(if runtime::shows_scores(&job.recipe) {
        let scores: Vec<f64> = scored.iter().map(|s| s.score).collect();
        json!({"recommendedItems": items, "scores": scores})
    } else {
        json!({"recommendedItems": items})
    })
}

/// A PERSONALIZED_RANKING line's `itemList`: 1 to 500 item ids.
fn item_list(line: &Map<String, Value>) -> Result<Vec<String>, String> {
    let Some(list) = line.get("itemList") else {
        return Err(
            "itemList is required: a PERSONALIZED_RANKING solution version ranks each line's \
             itemList for its userId"
                .into(),
        );
    };
    let list = list
        .as_array()
        .ok_or_else(|| format!("itemList must be an array of item ids, got {list}"))?;
    if list.is_empty() || list.len() > MAX_ITEM_LIST {
        return Err(format!(
            "itemList must hold 1 to {MAX_ITEM_LIST} item ids, got {}",
            list.len()
        ));
    }
    list.iter()
        .map(|v| match v.as_str() {
            Some(s) if !s.is_empty() && s.len() <= 256 => Ok(s.to_owned()),
            _ => Err(format!("itemList holds {v}, not an item id")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_are_folders_and_name_the_input_file() {
        let o = Output::parse("s3://out/results").unwrap();
        assert_eq!(
            o.location_for("s3://in/a/users.json"),
            "s3://out/results/users.json.out"
        );
        let o = Output::parse("s3://out/").unwrap();
        assert_eq!(
            o.location_for("s3://in/users.json"),
            "s3://out/users.json.out"
        );
        let o = Output::parse("s3://out").unwrap();
        assert_eq!(o.location_for("s3://in/x"), "s3://out/x.out");
        assert!(Output::parse("https://out/x")
            .unwrap_err()
            .contains("s3://"));
        assert!(Output::parse("s3:///x").unwrap_err().contains("no bucket"));
    }

    #[test]
    fn blank_lines_are_not_records() {
        let text = b"{\"userId\":\"a\"}\n\n  \n{\"userId\":\"b\"}";
        assert_eq!(lines(text).count(), 2);
    }

    #[test]
    fn item_lists_are_checked() {
        let line = |v: Value| v.as_object().unwrap().clone();
        assert!(item_list(&line(json!({"userId": "u"})))
            .unwrap_err()
            .contains("itemList is required"));
        assert!(item_list(&line(json!({"itemList": []})))
            .unwrap_err()
            .contains("1 to 500"));
        let long: Vec<String> = (0..501).map(|i| format!("i{i}")).collect();
        assert!(item_list(&line(json!({"itemList": long})))
            .unwrap_err()
            .contains("got 501"));
        assert!(item_list(&line(json!({"itemList": ["a", 3]})))
            .unwrap_err()
            .contains("holds 3"));
        assert_eq!(
            item_list(&line(json!({"itemList": ["a", "b"]}))).unwrap(),
            ["a", "b"]
        );
    }

    #[test]
    fn trending_now_has_no_batch_recommendations() {
        assert!(check_recipe("aws-trending-now")
            .unwrap_err()
            .contains("Trending-Now"));
        assert!(check_recipe("aws-user-personalization").is_ok());
        assert!(check_recipe("aws-item-affinity")
            .unwrap_err()
            .contains("CreateBatchSegmentJob"));
    }
}
