//! Batch segment jobs: the IN_PROGRESS work. Each input line names an item (Item-Affinity,
//! `{"itemId": "..."}`) or item attributes (Item-Attribute-Affinity, `{"itemAttributes":
//! "ITEMS.genre = \"Comedy\" AND ..."}`), and is answered with the `numResults` users the
//! model gives the most affinity for it ([`personalize_recommender::Model::segments`]),
//! written as `<output path><input file name>.out`.
//!
//! Formats (developer guide, "Preparing input data for user segments" and "Batch segment job
//! output format examples"): Item-Affinity lines come back as `{"input": {"itemId": "105"},
//! "output": {"recommendedUsers": [...]}}`, Item-Attribute-Affinity lines as
//! `{"itemAttributes": "...", "output": {"recommendedUsers": [...]}}`; each line here also
//! carries `"error"` (null, or why the line has no segment), as batch inference lines do.

use personalize_recommender::{Model, SegmentTarget};
use serde_json::{json, Map, Value};

use super::batch::Output;
use super::objects;
use crate::lifecycle::Apply;
use crate::state::{Kind, Txn, View, Writes};
use crate::AppState;

/// Most queries an Item-Attribute-Affinity job reads: "Your input data can have a maximum of
/// 10 queries" (developer guide, Item-Attribute-Affinity recipe).
pub const MAX_ATTRIBUTE_QUERIES: usize = 10;

/// Whether `recipe` is a USER_SEGMENTATION recipe.
pub fn is_segmentation(recipe: &str) -> bool {
    personalize_recommender::recipe(recipe).is_some_and(|r| r.recipe_type == "USER_SEGMENTATION")
}

/// Parses an Item-Attribute-Affinity query: conditions `ITEMS.<column> = <value>` joined by
/// `AND` ("a logical expression with the AND operator", Preparing input data for user
/// segments), a value being a quoted string (`\` escapes the next character), a number or a
/// boolean. Columns come back upper-case.
///
/// # Errors
/// What is wrong and where (character offset).
pub fn parse_attributes(text: &str) -> Result<Vec<(String, String)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let skip = |at: &mut usize| {
        while *at < chars.len() && chars[*at].is_whitespace() {
            *at += 1;
        }
    };
    let mut conditions = Vec::new();
    loop {
        skip(&mut at);
        let prefix: String = chars.iter().skip(at).take(6).collect();
        if !prefix.eq_ignore_ascii_case("ITEMS.") {
            return Err(format!(
                "itemAttributes: expected ITEMS.<column> at character {at} of {text:?}"
            ));
        }
        at += 6;
        let start = at;
        while at < chars.len() && (chars[at].is_ascii_alphanumeric() || chars[at] == '_') {
            at += 1;
        }
        if at == start || chars[start].is_ascii_digit() {
            return Err(format!(
                "itemAttributes: expected a column name at character {start} of {text:?}"
            ));
        }
        let column: String = chars[start..at]
            .iter()
            .collect::<String>()
            .to_ascii_uppercase();
        skip(&mut at);
        if chars.get(at) != Some(&'=') {
            return Err(format!(
                "itemAttributes: expected = after ITEMS.{column} at character {at} of {text:?} \
                 (conditions are ITEMS.<column> = <value>)"
            ));
        }
        at += 1;
        skip(&mut at);
        let value = match chars.get(at) {
            Some(&quote) if quote == '"' || quote == '\'' => {
                at += 1;
                let mut value = String::new();
                loop {
                    match chars.get(at) {
                        None => {
                            return Err(format!("itemAttributes: unterminated string in {text:?}"))
                        }
                        Some('\\') => {
                            let escaped = chars.get(at + 1).ok_or_else(|| {
                                format!("itemAttributes: dangling \\ at the end of {text:?}")
                            })?;
                            value.push(*escaped);
                            at += 2;
                        }
                        Some(&c) if c == quote => {
                            at += 1;
                            break;
                        }
                        Some(&c) => {
                            value.push(c);
                            at += 1;
                        }
                    }
                }
                value
            }
            _ => {
                let start = at;
                while at < chars.len() && !chars[at].is_whitespace() {
                    at += 1;
                }
                let word: String = chars[start..at].iter().collect();
                let number = word.parse::<f64>().is_ok_and(f64::is_finite);
                let boolean =
                    word.eq_ignore_ascii_case("true") || word.eq_ignore_ascii_case("false");
                if !number && !boolean {
                    return Err(format!(
                        "itemAttributes: the value of ITEMS.{column} must be a quoted string, a \
                         number or a boolean, got {word:?}"
                    ));
                }
                word
            }
        };
        conditions.push((column, value));
        skip(&mut at);
        if at == chars.len() {
            return Ok(conditions);
        }
        let next: Vec<char> = chars.iter().skip(at).take(4).copied().collect();
        let and = next.len() >= 3
            && next[..3]
                .iter()
                .collect::<String>()
                .eq_ignore_ascii_case("AND")
            && next.get(3).is_none_or(|c| c.is_whitespace());
        if and {
            at += 3;
            continue;
        }
        return Err(format!(
            "itemAttributes: expected AND at character {at} of {text:?} (only AND joins \
             conditions)"
        ));
    }
}

/// What a job needs from its record, read once.
struct Job {
    version_arn: String,
    recipe: String,
    num_results: usize,
    input: String,
    output: Output,
}

fn job_of(server: &AppState, job_arn: &str) -> Result<Job, String> {
    let inner = server.state.read();
    let job = inner
        .get(Kind::BatchSegmentJob, job_arn)
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
        recipe: super::training::recipe_name(version.recipe_arn().unwrap_or(""))
            .unwrap_or("")
            .to_owned(),
        num_results: job
            .body
            .get("numResults")
            .and_then(Value::as_u64)
            .unwrap_or(super::runtime::DEFAULT_NUM_RESULTS) as usize,
        input: path("jobInput", "s3DataSource"),
        output: Output::parse(&path("jobOutput", "s3DataDestination"))?,
        version_arn,
    })
}

/// One input line: what it asks, or why it cannot be answered.
struct Line {
    input: Value,
    target: Result<SegmentTarget, String>,
}

fn read_line(recipe: &str, raw: &[u8]) -> Line {
    let input: Value = match serde_json::from_slice(raw) {
        Ok(v) => v,
        Err(e) => {
            return Line {
                input: Value::String(String::from_utf8_lossy(raw).into_owned()),
                target: Err(format!("The line is not valid JSON: {e}")),
            }
        }
    };
    let target = match input.as_object() {
        None => Err("The line is not a JSON object".to_owned()),
        Some(line) => target_of(recipe, line),
    };
    Line { input, target }
}

fn target_of(recipe: &str, line: &Map<String, Value>) -> Result<SegmentTarget, String> {
    let (key, what) = match recipe {
        "aws-item-attribute-affinity" => ("itemAttributes", "item attributes"),
        _ => ("itemId", "an itemId"),
    };
    let value = match line.get(key) {
        Some(Value::String(s)) if !s.is_empty() => s,
        None | Some(Value::Null) => {
            return Err(format!(
                "{key} is required: a {recipe} solution version makes a segment for {what} per \
                 line"
            ))
        }
        Some(other) => return Err(format!("{key} must be a non-empty string, got {other}")),
    };
    match key {
        "itemAttributes" => parse_attributes(value).map(SegmentTarget::Attributes),
        _ if value.len() > 256 => Err("itemId is longer than 256 characters".into()),
        _ => Ok(SegmentTarget::Item(value.clone())),
    }
}

/// The job's work: read the input, make the segments, write the `.out` files. `Err` is the
/// failureReason.
pub async fn run(server: AppState, job_arn: String) -> Result<Apply, String> {
    let job = job_of(&server, &job_arn)?;
    if !is_segmentation(&job.recipe) {
        return Err(format!("{} is not a USER_SEGMENTATION recipe", job.recipe));
    }
    let model = server.state.model(&job.version_arn)?;
    let region = super::region_of_arn(&job_arn).to_owned();
    let objects = objects::fetch(&server.config, &region, &job.input).await?;
    let output = job.output.clone();
    let answered = tokio::task::spawn_blocking(move || answer_objects(&model, &job, &objects))
        .await
        .map_err(|e| format!("batch segment job failed: {e}"))??;
    for (name, bytes) in answered {
        objects::store(&server.config, &region, &output.location_for(&name), bytes).await?;
    }
    Ok(Box::new(|_: &mut Txn<'_>, _: &mut Writes| {}))
}

fn answer_objects(
    model: &Model,
    job: &Job,
    objects: &[(String, Vec<u8>)],
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let files: Vec<(&String, Vec<Line>)> = objects
        .iter()
        .map(|(name, bytes)| {
            let lines = bytes
                .split(|&b| b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .map(|l| read_line(&job.recipe, l))
                .collect();
            (name, lines)
        })
        .collect();
    let count: usize = files.iter().map(|(_, l)| l.len()).sum();
    if count == 0 {
        return Err(format!("{} holds no input records", job.input));
    }
    if count > super::batch::MAX_RECORDS {
        return Err(format!(
            "{} holds {count} records; a batch segment job reads at most {}",
            job.input,
            super::batch::MAX_RECORDS
        ));
    }
    if job.recipe == "aws-item-attribute-affinity" && count > MAX_ATTRIBUTE_QUERIES {
        return Err(format!(
            "{} holds {count} queries; Item-Attribute-Affinity input can have at most \
             {MAX_ATTRIBUTE_QUERIES}",
            job.input
        ));
    }
    // Every line's items, then one pass over the users for all of them.
    let targets: Vec<Vec<u32>> = files
        .iter()
        .flat_map(|(_, lines)| lines)
        .map(|l| match &l.target {
            Ok(t) => model.target_items(t),
            Err(_) => Vec::new(),
        })
        .collect();
    let segments = model
        .segments(&targets, job.num_results)
        .map_err(|e| e.to_string())?;
    let mut segments = segments.into_iter().zip(targets);
    let mut out = Vec::new();
    for (name, lines) in files {
        let mut text = Vec::new();
        for line in lines {
            let (segment, items) = segments.next().expect("one segment per line");
            let result = match (&line.target, items.is_empty()) {
                (Err(e), _) => Err(e.clone()),
                (Ok(SegmentTarget::Item(id)), true) => Err(format!(
                    "Item {id} is not in the data the solution version was trained on"
                )),
                (Ok(SegmentTarget::Attributes(_)), true) => {
                    Err("No item the solution version was trained on has these attributes".into())
                }
                (Ok(_), false) => Ok(segment),
            };
            let output = result.as_ref().ok().map(|users| {
                let ids: Vec<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
                json!({ "recommendedUsers": ids })
            });
            let error = result.err();
            let mut answer = match (&line.target, line.input.get("itemAttributes")) {
                (Ok(SegmentTarget::Attributes(_)), Some(attributes)) => {
                    json!({ "itemAttributes": attributes })
                }
                _ => json!({ "input": line.input }),
            };
            answer["output"] = output.unwrap_or(Value::Null);
            answer["error"] = error.map_or(Value::Null, Value::String);
            serde_json::to_writer(&mut text, &answer).map_err(|e| e.to_string())?;
            text.push(b'\n');
        }
        out.push((name.clone(), text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_queries_are_and_joined_conditions() {
        assert_eq!(
            parse_attributes(
                r#"ITEMS.genres = "Comedy" AND items.YEAR = 1999 and ITEMS.x = 'a \' b'"#
            )
            .unwrap(),
            [
                ("GENRES".to_owned(), "Comedy".to_owned()),
                ("YEAR".to_owned(), "1999".to_owned()),
                ("X".to_owned(), "a ' b".to_owned()),
            ]
        );
        assert_eq!(
            parse_attributes(r#"ITEMS.g = "say \"hi\"""#).unwrap(),
            [("G".to_owned(), "say \"hi\"".to_owned())]
        );
        for (text, want) in [
            (r#"genres = "Comedy""#, "expected ITEMS.<column>"),
            (r#"ITEMS. = "x""#, "expected a column name"),
            (r#"ITEMS.g "x""#, "expected ="),
            (r#"ITEMS.g = "x"#, "unterminated"),
            (
                r#"ITEMS.g = Comedy"#,
                "quoted string, a number or a boolean",
            ),
            (r#"ITEMS.g = "a" OR ITEMS.g = "b""#, "only AND"),
            (r#"ITEMS.g = "a" AND"#, "expected ITEMS.<column>"),
        ] {
            let e = parse_attributes(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn lines_name_their_target_by_recipe() {
        let line = |recipe: &str, text: &str| read_line(recipe, text.as_bytes()).target;
        assert_eq!(
            line("aws-item-affinity", r#"{"itemId": "i1"}"#).unwrap(),
            SegmentTarget::Item("i1".into())
        );
        assert!(
            line("aws-item-affinity", r#"{"itemAttributes": "ITEMS.g = 1"}"#)
                .unwrap_err()
                .contains("itemId is required")
        );
        assert!(line("aws-item-attribute-affinity", r#"{"itemId": "i1"}"#)
            .unwrap_err()
            .contains("itemAttributes is required"));
        assert!(line("aws-item-affinity", r#"{"itemId": 3}"#)
            .unwrap_err()
            .contains("non-empty string"));
        assert!(line("aws-item-affinity", "nope")
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(is_segmentation("aws-item-attribute-affinity"));
        assert!(!is_segmentation("aws-sims"));
    }
}
