//! The walkthrough itself, over real HTTP against the local stack: each call printed as the
//! curl command that makes it and its answer, user 429's recommendations before and after
//! three clicks on item 185 side by side, and the checks that every event reached the archive
//! and nothing the dead-letter queue.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::config::StackConfig;
use crate::resources::AwsClients;

/// The walkthrough's user.
pub const USER: &str = "429";
/// The item the user clicks.
pub const ITEM: &str = "185";
/// Clicks sent.
pub const CLICKS: usize = 3;
/// Recommendations asked for.
pub const NUM_RESULTS: usize = 10;

/// Genres and year of an item, from `item-meta.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemMeta {
    /// Genres.
    pub genres: BTreeSet<String>,
    /// Release year.
    pub year: String,
}

/// Reads `item-meta.csv` (`ITEM_ID,GENRE,YEAR`, genres separated by `|`).
///
/// # Errors
/// When a line does not have three fields.
pub fn read_item_meta(text: &str) -> anyhow::Result<BTreeMap<String, ItemMeta>> {
    let mut items = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let [id, genres, year] = fields[..] else {
            bail!("item-meta.csv line {}: expected 3 fields: {line}", n + 1);
        };
        items.insert(
            id.to_owned(),
            ItemMeta {
                genres: genres.split('|').map(str::to_owned).collect(),
                year: year.to_owned(),
            },
        );
    }
    Ok(items)
}

/// Size of an item's behavioural neighbourhood: its most co-interacted items.
pub const NEIGHBOURHOOD: usize = 50;

/// The `k` items most often interacted with by the users who interacted with `item`
/// (`interactions.csv`: `USER_ID,ITEM_ID,...`), ties broken by item id.
///
/// # Errors
/// When a line has fewer than two fields.
pub fn co_neighbours(interactions: &str, item: &str, k: usize) -> anyhow::Result<BTreeSet<String>> {
    let mut by_user: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (n, line) in interactions.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split(',');
        let (Some(user), Some(id)) = (fields.next(), fields.next()) else {
            bail!(
                "interactions.csv line {}: expected USER_ID,ITEM_ID,...: {line}",
                n + 1
            );
        };
        by_user.entry(user).or_default().push(id);
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for items in by_user.values().filter(|items| items.contains(&item)) {
        let distinct: BTreeSet<&str> = items.iter().copied().filter(|i| *i != item).collect();
        for i in distinct {
            *counts.entry(i).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Ok(ranked
        .into_iter()
        .take(k)
        .map(|(i, _)| i.to_owned())
        .collect())
}

/// How many of `items` are in `neighbourhood`.
pub fn in_neighbourhood(items: &[String], neighbourhood: &BTreeSet<String>) -> usize {
    items.iter().filter(|i| neighbourhood.contains(*i)).count()
}

/// How close a list is to an item: the mean genre Jaccard similarity of its items to it.
pub fn affinity(items: &[String], target: &str, meta: &BTreeMap<String, ItemMeta>) -> f64 {
    let Some(target) = meta.get(target) else {
        return 0.0;
    };
    if items.is_empty() {
        return 0.0;
    }
    let total: f64 = items
        .iter()
        .map(|id| {
            meta.get(id).map_or(0.0, |m| {
                let shared = m.genres.intersection(&target.genres).count() as f64;
                let union = m.genres.union(&target.genres).count() as f64;
                if union == 0.0 {
                    0.0
                } else {
                    shared / union
                }
            })
        })
        .sum();
    total / items.len() as f64
}

/// One HTTP exchange, printed as curl and answer.
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// Whether to print.
    pub verbose: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

impl Client {
    /// A client of the API at `base` (stage included).
    pub fn new(base: &str, verbose: bool) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(35))
                .build()
                .expect("a plain client builds"),
            base: base.trim_end_matches('/').to_owned(),
            token: None,
            verbose,
        }
    }

    /// Sends `token` as the `Authorization` header of every request (printed as `"$AUTH"`).
    #[must_use]
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    fn auth_flag(&self) -> &'static str {
        if self.token.is_some() {
            " -H \"$AUTH\""
        } else {
            ""
        }
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.header(reqwest::header::AUTHORIZATION, token),
            None => request,
        }
    }

    /// `GET <base><path_and_query>`, printed; returns status and JSON body.
    ///
    /// # Errors
    /// When the request fails or the body is not JSON.
    pub async fn get(&self, path_and_query: &str, print: bool) -> anyhow::Result<(u16, Value)> {
        let url = format!("{}{path_and_query}", self.base);
        if print && self.verbose {
            println!("\n$ curl -s{} '{url}'", self.auth_flag());
        }
        let response = self
            .authorized(self.http.get(&url))
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        self.answer(response, print).await
    }

    /// `POST <base><path>` with a JSON body, printed; returns status and JSON body.
    ///
    /// # Errors
    /// When the request fails or the body is not JSON.
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let url = format!("{}{path}", self.base);
        if self.verbose {
            println!(
                "\n$ curl -s{} -X POST '{url}' -H 'content-type: application/json' -d '{body}'",
                self.auth_flag()
            );
        }
        let response = self
            .authorized(self.http.post(&url))
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        self.answer(response, true).await
    }

    async fn answer(
        &self,
        response: reqwest::Response,
        print: bool,
    ) -> anyhow::Result<(u16, Value)> {
        let status = response.status().as_u16();
        let text = response.text().await?;
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("HTTP {status} with a body that is not JSON: {text}"))?;
        if print && self.verbose {
            println!("{status} {}", abridge(&value));
        }
        Ok((status, value))
    }
}

/// The JSON on one line, with long item lists cut to their first three entries.
pub fn abridge(value: &Value) -> String {
    let mut value = value.clone();
    if let Some(list) = value.get_mut("itemList").and_then(Value::as_array_mut) {
        if list.len() > 3 {
            let more = list.len() - 3;
            list.truncate(3);
            list.push(json!(format!("... {more} more")));
        }
    }
    value.to_string()
}

/// Item ids of a recommendations answer.
///
/// # Errors
/// When the answer has no `itemList` of objects with `itemId`.
pub fn item_ids(answer: &Value) -> anyhow::Result<Vec<String>> {
    answer
        .get("itemList")
        .and_then(Value::as_array)
        .context("the answer has no itemList")?
        .iter()
        .map(|i| {
            i.get("itemId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .context("an itemList entry has no itemId")
        })
        .collect()
}

/// Item ids with their first genre, on one line: `1 (Comedy), 2 (Drama)`.
pub fn titled(items: &[String], meta: &BTreeMap<String, ItemMeta>) -> String {
    items
        .iter()
        .map(
            |id| match meta.get(id).and_then(|m| m.genres.iter().next()) {
                Some(genre) => format!("{id} ({genre})"),
                None => id.clone(),
            },
        )
        .collect::<Vec<_>>()
        .join(", ")
}

/// The before/after table with genres and years.
pub fn side_by_side(
    before: &[String],
    after: &[String],
    meta: &BTreeMap<String, ItemMeta>,
) -> String {
    let target = meta.get(ITEM).cloned().unwrap_or_default();
    let cell = |id: Option<&String>| -> String {
        let Some(id) = id else { return String::new() };
        let m = meta.get(id).cloned().unwrap_or_default();
        let genres: Vec<String> = m
            .genres
            .iter()
            .map(|g| {
                if target.genres.contains(g) {
                    format!("{g}*")
                } else {
                    g.clone()
                }
            })
            .collect();
        format!("{id:>6} {} {}", m.year, genres.join("|"))
    };
    let width = 52;
    let before_title = format!("before (user {USER})");
    let mut out = format!("  #  {before_title:<width$} after {CLICKS} clicks on {ITEM}\n");
    for i in 0..before.len().max(after.len()) {
        let mut left = cell(before.get(i));
        left.truncate(width);
        out.push_str(&format!(
            "{:>3}  {left:<width$} {}\n",
            i + 1,
            cell(after.get(i))
        ));
    }
    out.push_str(&format!(
        "  (* = a genre of item {ITEM}: {} {})\n",
        target.year,
        target.genres.iter().cloned().collect::<Vec<_>>().join("|")
    ));
    out
}

/// Events in the archive: the sum of the `events` of every record in every GZIP object
/// under the archive prefix's fixed part.
///
/// # Errors
/// When S3 fails or an object is not GZIP newline-delimited JSON.
pub async fn archived_events(aws: &AwsClients, config: &StackConfig) -> anyhow::Result<usize> {
    let prefix = config
        .archive_prefix
        .split("!{")
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut count = 0;
    let mut token = None;
    loop {
        let listed = aws
            .s3
            .list_objects_v2()
            .bucket(&config.bucket_name)
            .prefix(&prefix)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e.into_service_error()))?;
        for object in listed.contents() {
            let key = object.key().unwrap_or_default();
            let body = aws
                .s3
                .get_object()
                .bucket(&config.bucket_name)
                .key(key)
                .send()
                .await
                .map_err(|e| anyhow::Error::new(e.into_service_error()))?
                .body
                .collect()
                .await?
                .into_bytes();
            let mut text = String::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_string(&mut text)
                .with_context(|| format!("{key} is not GZIP text"))?;
            for line in text.lines() {
                let record: Value = serde_json::from_str(line)
                    .with_context(|| format!("{key}: a line is not JSON"))?;
                count += record
                    .get("events")
                    .and_then(Value::as_array)
                    .map_or(1, Vec::len);
            }
        }
        match listed.next_continuation_token {
            Some(t) => token = Some(t),
            None => return Ok(count),
        }
    }
}

/// Messages in the dead-letter queue.
///
/// # Errors
/// When SQS fails.
pub async fn dlq_depth(aws: &AwsClients, queue_url: &str) -> anyhow::Result<usize> {
    let attributes = aws
        .sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e.into_service_error()))?;
    Ok(attributes
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> BTreeMap<String, ItemMeta> {
        read_item_meta("ITEM_ID,GENRE,YEAR\n185,Action|Crime|Thriller,1995\n1,Comedy,1995\n2,Action|Thriller,1996\n\n")
            .unwrap()
    }

    #[test]
    fn affinity_is_mean_genre_jaccard() {
        let m = meta();
        assert_eq!(affinity(&["1".into()], ITEM, &m), 0.0);
        assert!((affinity(&["2".into()], ITEM, &m) - 2.0 / 3.0).abs() < 1e-9);
        assert!((affinity(&["1".into(), "2".into()], ITEM, &m) - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(affinity(&[], ITEM, &m), 0.0);
        assert_eq!(affinity(&["unknown".into()], ITEM, &m), 0.0);
    }

    #[test]
    fn neighbours_are_the_most_co_interacted_items() {
        let csv =
            "USER_ID,ITEM_ID,TIMESTAMP\n1,185,0\n1,7,0\n1,7,1\n2,185,0\n2,7,0\n2,8,0\n3,9,0\n";
        let top = co_neighbours(csv, ITEM, 1).unwrap();
        assert_eq!(top, BTreeSet::from(["7".to_owned()]));
        let all = co_neighbours(csv, ITEM, 10).unwrap();
        assert_eq!(all, BTreeSet::from(["7".to_owned(), "8".to_owned()]));
        assert_eq!(in_neighbourhood(&["7".into(), "9".into()], &all), 1);
        assert!(co_neighbours("USER_ID,ITEM_ID\n1\n", ITEM, 1).is_err());
    }

    #[test]
    fn item_meta_lines_must_have_three_fields() {
        let e = read_item_meta("ITEM_ID,GENRE,YEAR\n1,Comedy\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn the_table_marks_shared_genres() {
        let table = side_by_side(&["1".into()], &["2".into()], &meta());
        assert!(table.contains("Action*|Thriller*"), "{table}");
        assert!(table.contains("Comedy "), "{table}");
    }

    #[test]
    fn titled_lists_name_the_first_genre() {
        assert_eq!(
            titled(&["1".into(), "404".into()], &meta()),
            "1 (Comedy), 404"
        );
    }

    #[test]
    fn answers_are_abridged_and_read() {
        let answer = json!({ "recommendationId": "r", "itemList": [
            {"itemId": "1"}, {"itemId": "2"}, {"itemId": "3"}, {"itemId": "4"}
        ]});
        assert!(abridge(&answer).contains("... 1 more"));
        assert_eq!(item_ids(&answer).unwrap(), ["1", "2", "3", "4"]);
        assert!(item_ids(&json!({"message": "x"})).is_err());
        assert!(item_ids(&json!({"itemList": [{"score": 1}]})).is_err());
    }
}
