//! Metric attribution reports: the metrics of a dataset group's metric attribution computed
//! over item interactions and written to its `metricsOutputConfig.s3DataDestination.path`.
//!
//! The layout is the one of "Publishing metric attribution reports to Amazon S3" (Amazon
//! Personalize developer guide): each publication is a new CSV object named
//! `AggregatedAttributionMetrics - ImportMethod - Timestamp.csv` with the columns
//! `METRIC_NAME,EVENT_TYPE,VALUE,MATH_FUNCTION,EVENT_ATTRIBUTION_SOURCE,TIMESTAMP`, one row per
//! metric, source and 15-minute window ("Amazon Personalize aggregates calculations over a
//! 15-minute window", Measuring recommendation impact with a metric attribution).
//!
//! The source of an interaction ("Event metrics and attribution reports"): its
//! `eventAttributionSource` when it has one (it wins over a recommendation id), else the
//! campaign whose GetRecommendations or GetPersonalizedRanking answered its
//! `recommendationId`, else `SOURCE_NAME_UNDEFINED`. Interactions carry both in the reserved
//! Interactions columns RECOMMENDATION_ID and EVENT_ATTRIBUTION_SOURCE (imports read them from
//! the CSV, PutEvents from the event's members).
//!
//! When reports are written: AWS publishes to S3 for bulk data, "each time you create a
//! dataset import job for interactions data" with `publishAttributionMetricsToS3`, and sends
//! streamed events to CloudWatch, which the emulator does not have. So an import job that asks
//! for it publishes a report of the rows it imported (ImportMethod `FULL` or `INCREMENTAL`)
//! before it turns ACTIVE, and the events PutEvents stored since the last report are
//! published as `PutEvents` reports on a bounded cadence (`Config::metric_report_interval`,
//! 15 minutes by default, the aggregation window) by a background task, never on the
//! PutEvents path: a call only appends to the log, the task reads it later.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use personalize_recommender::{Interaction, Value as Attr};
use serde_json::{json, Value};

use super::avro::{DatasetType, FieldType, Schema};
use crate::state::{Kind, LogEntry, Rows, View};
use crate::AppState;

/// The width of an aggregation window, in seconds (15 minutes).
pub const WINDOW_SECS: i64 = 900;
/// The source of an interaction that names none.
pub const UNDEFINED_SOURCE: &str = "SOURCE_NAME_UNDEFINED";
/// The Interactions column holding a recommendation id (a reserved keyword).
pub const RECOMMENDATION_ID: &str = "RECOMMENDATION_ID";
/// The Interactions column holding an event attribution source (a reserved keyword).
pub const EVENT_ATTRIBUTION_SOURCE: &str = "EVENT_ATTRIBUTION_SOURCE";
/// How many issued recommendation ids are remembered (oldest forgotten first).
pub const MAX_ISSUED_IDS: usize = 100_000;
/// Most metrics a metric attribution has (`MetricAttributes`, "Maximum number of 10 items").
pub const MAX_METRICS: usize = 10;

/// What a metric computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// `SAMPLECOUNT()`: the number of interactions.
    SampleCount,
    /// `SUM(Interactions.COLUMN)` or `SUM(Items.COLUMN)`: the sum of a numeric column of the
    /// interaction, or of its item.
    Sum {
        /// Interactions or Items.
        dataset: DatasetType,
        /// The column, as the schema spells it, upper-cased.
        column: String,
    },
}

impl Expression {
    /// Parses an expression: "Available functions are SUM() or SAMPLECOUNT(). For SUM()
    /// functions, provide the dataset type (either Interactions or Items) and column to sum as
    /// a parameter. For example SUM(Items.PRICE)." (API_MetricAttribute, `expression`).
    /// Function and dataset type are case-insensitive; spaces around the parts are allowed.
    ///
    /// # Errors
    /// Why the text is not one of the two forms.
    pub fn parse(text: &str) -> Result<Self, String> {
        let forms = "use SAMPLECOUNT() or SUM(Interactions.COLUMN) / SUM(Items.COLUMN)";
        let t = text.trim();
        let (function, rest) = t
            .split_once('(')
            .ok_or_else(|| format!("expression {text:?} is not a function call: {forms}"))?;
        let argument = rest
            .strip_suffix(')')
            .filter(|a| !a.contains(['(', ')']))
            .ok_or_else(|| format!("expression {text:?} must end with one ')': {forms}"))?
            .trim();
        match function.trim().to_ascii_uppercase().as_str() {
            "SAMPLECOUNT" if argument.is_empty() => Ok(Self::SampleCount),
            "SAMPLECOUNT" => Err(format!(
                "expression {text:?}: SAMPLECOUNT() takes no argument"
            )),
            "SUM" => {
                let (dataset, column) = argument.split_once('.').ok_or_else(|| {
                    format!(
                        "expression {text:?}: SUM needs DatasetType.COLUMN, e.g. SUM(Items.PRICE)"
                    )
                })?;
                let dataset = match dataset.trim().to_ascii_lowercase().as_str() {
                    "interactions" => DatasetType::Interactions,
                    "items" => DatasetType::Items,
                    other => {
                        return Err(format!(
                            "expression {text:?}: the dataset type is Interactions or Items, not {other:?}"
                        ))
                    }
                };
                let column = column.trim();
                let valid = column
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && column
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(format!(
                        "expression {text:?}: {column:?} is not a column name"
                    ));
                }
                Ok(Self::Sum {
                    dataset,
                    column: column.to_ascii_uppercase(),
                })
            }
            other => Err(format!(
                "expression {text:?}: unknown function {other:?}: {forms}"
            )),
        }
    }

    /// The MATH_FUNCTION column of a report (`samplecount`, `sum`).
    pub fn function(&self) -> &'static str {
        match self {
            Self::SampleCount => "samplecount",
            Self::Sum { .. } => "sum",
        }
    }

    /// Checks a SUM's column against the schema of the group's dataset of its type: "the
    /// column to sum" must exist there and hold numbers.
    ///
    /// # Errors
    /// Names the missing dataset, the missing column or its type.
    pub fn check(&self, schemas: &HashMap<&'static str, Schema>) -> Result<(), String> {
        let Self::Sum { dataset, column } = self else {
            return Ok(());
        };
        let name = dataset.arn_suffix();
        let schema = schemas.get(name).ok_or_else(|| {
            format!("SUM({dataset:?}.{column}): the dataset group has no {dataset:?} dataset")
        })?;
        let field = schema.field(column).ok_or_else(|| {
            format!("SUM({dataset:?}.{column}): the {dataset:?} schema has no column {column}")
        })?;
        if matches!(field.ty, FieldType::String | FieldType::Boolean) {
            return Err(format!(
                "SUM({dataset:?}.{column}): {column} is not numeric (int, long, float or double)"
            ));
        }
        Ok(())
    }
}

/// One metric of a metric attribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// `metricName`.
    pub name: String,
    /// `eventType`: only interactions of this type count.
    pub event_type: String,
    /// `expression`, parsed.
    pub expression: Expression,
}

impl Metric {
    /// A stored `{eventType, expression, metricName}` (already checked when stored).
    pub fn from_json(v: &Value) -> Option<Self> {
        Some(Self {
            name: v["metricName"].as_str()?.to_owned(),
            event_type: v["eventType"].as_str()?.to_owned(),
            expression: Expression::parse(v["expression"].as_str()?).ok()?,
        })
    }
}

/// One row of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// METRIC_NAME.
    pub metric: String,
    /// EVENT_TYPE.
    pub event_type: String,
    /// VALUE.
    pub value: f64,
    /// MATH_FUNCTION.
    pub function: &'static str,
    /// EVENT_ATTRIBUTION_SOURCE.
    pub source: String,
    /// TIMESTAMP: the start of the 15-minute window, epoch seconds.
    pub window: i64,
}

/// The recommendation ids this server handed out, with the campaign of each, so an event's
/// `recommendationId` names its source ("If you provide a recommendationId, Amazon
/// Personalize automatically determines the source campaign or recommender", Event metrics
/// and attribution reports). Kept in memory, the newest [`MAX_ISSUED_IDS`].
#[derive(Debug, Default)]
pub struct Reports {
    issued: Mutex<(HashMap<String, String>, VecDeque<String>)>,
    /// One publication at a time (the background task and a caller's [`flush`]).
    flushing: tokio::sync::Mutex<()>,
}

impl Reports {
    /// A new recommendation id for an answer of `campaign_arn`, remembered.
    pub fn issue(&self, campaign_arn: &str) -> String {
        let id = format!("RID-{}", uuid::Uuid::new_v4());
        let mut issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        let (by_id, order) = &mut *issued;
        if order.len() >= MAX_ISSUED_IDS {
            if let Some(old) = order.pop_front() {
                by_id.remove(&old);
            }
        }
        by_id.insert(id.clone(), campaign_arn.to_owned());
        order.push_back(id.clone());
        id
    }

    /// The campaign that answered `recommendation_id`, if this server issued it.
    pub fn campaign_of(&self, recommendation_id: &str) -> Option<String> {
        self.issued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .get(recommendation_id)
            .cloned()
    }

    fn source_of(&self, interaction: &Interaction) -> String {
        let text = |key: &str| match interaction.attributes.get(key) {
            Some(Attr::Str(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        text(EVENT_ATTRIBUTION_SOURCE)
            .or_else(|| text(RECOMMENDATION_ID).and_then(|id| self.campaign_of(&id)))
            .unwrap_or_else(|| UNDEFINED_SOURCE.to_owned())
    }
}

/// Item values a report may sum: item id -> column -> number.
pub type ItemValues = HashMap<String, HashMap<String, f64>>;

/// Aggregates `metrics` over `interactions`: per metric, source and 15-minute window of the
/// interaction's timestamp, only interactions of the metric's event type. A SUM adds the
/// column's value where the interaction (or its item) has one; a group with no value at all
/// is left out, so every row sums something.
pub fn aggregate(
    reports: &Reports,
    metrics: &[Metric],
    interactions: &[Interaction],
    items: &ItemValues,
) -> Vec<ReportRow> {
    // Rows come per metric, then window, then source.
    let mut groups: BTreeMap<(usize, i64, String), f64> = BTreeMap::new();
    for interaction in interactions {
        for (m, metric) in metrics.iter().enumerate() {
            if interaction.event_type != metric.event_type {
                continue;
            }
            let value = match &metric.expression {
                Expression::SampleCount => Some(1.0),
                Expression::Sum {
                    dataset: DatasetType::Items,
                    column,
                } => items
                    .get(&interaction.item_id)
                    .and_then(|c| c.get(column))
                    .copied(),
                Expression::Sum { column, .. } => interaction_value(interaction, column),
            };
            let Some(value) = value else { continue };
            let window = interaction.timestamp - interaction.timestamp.rem_euclid(WINDOW_SECS);
            *groups
                .entry((m, window, reports.source_of(interaction)))
                .or_default() += value;
        }
    }
    groups
        .into_iter()
        .map(|((m, window, source), value)| ReportRow {
            metric: metrics[m].name.clone(),
            event_type: metrics[m].event_type.clone(),
            value,
            function: metrics[m].expression.function(),
            source,
            window,
        })
        .collect()
}

fn interaction_value(interaction: &Interaction, column: &str) -> Option<f64> {
    match column {
        "EVENT_VALUE" => interaction.event_value,
        "TIMESTAMP" => Some(interaction.timestamp as f64),
        _ => match interaction.attributes.get(column)? {
            Attr::Num(n) => Some(*n),
            _ => None,
        },
    }
}

/// The report as CSV, with the header of the developer guide.
pub fn render(rows: &[ReportRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "METRIC_NAME",
        "EVENT_TYPE",
        "VALUE",
        "MATH_FUNCTION",
        "EVENT_ATTRIBUTION_SOURCE",
        "TIMESTAMP",
    ]);
    for r in rows {
        let _ = w.write_record([
            r.metric.as_str(),
            r.event_type.as_str(),
            &format!("{:?}", r.value),
            r.function,
            r.source.as_str(),
            &r.window.to_string(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// Checks an `s3DataDestination.path`: an `s3://bucket[/prefix]` URL.
///
/// # Errors
/// What is wrong with it.
pub fn check_path(path: &str) -> Result<(), String> {
    let rest = path.strip_prefix("s3://").ok_or_else(|| {
        format!("metricsOutputConfig.s3DataDestination.path {path:?} must be an s3:// URL")
    })?;
    let bucket = rest.split('/').next().unwrap_or("");
    if bucket.is_empty() {
        return Err(format!(
            "metricsOutputConfig.s3DataDestination.path {path:?} names no bucket"
        ));
    }
    if rest.split('/').skip(1).any(|p| p == ".." || p == ".") {
        return Err(format!(
            "metricsOutputConfig.s3DataDestination.path {path:?} has a '.' or '..' segment"
        ));
    }
    Ok(())
}

/// The object a publication writes: `PATH/AggregatedAttributionMetrics - METHOD - MILLIS.csv`.
pub fn report_location(path: &str, method: &str) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let sep = if path.ends_with('/') { "" } else { "/" };
    format!("{path}{sep}AggregatedAttributionMetrics - {method} - {millis}.csv")
}

/// What one publication needs, read under the state lock.
#[derive(Debug)]
pub struct Plan {
    /// The metric attribution.
    pub arn: String,
    /// Its S3 path.
    pub path: String,
    /// Its metrics.
    pub metrics: Vec<Metric>,
    /// Values of the group's items for the SUM(Items.X) metrics.
    pub items: ItemValues,
}

/// The publication plan of the dataset group's metric attribution, if it has one that is
/// ACTIVE with an S3 destination.
///
/// # Errors
/// Why there is nothing to publish to.
pub fn plan_for_group(inner: &impl View, group: &str) -> Result<Plan, String> {
    let record = inner
        .children(Kind::MetricAttribution, Kind::DatasetGroup, group)
        .next()
        .ok_or_else(|| format!("dataset group {group} has no metric attribution"))?;
    let arn = record.arn().to_owned();
    if record.status() != "ACTIVE" {
        return Err(format!("metric attribution {arn} is {}", record.status()));
    }
    let path = record.body["metricsOutputConfig"]["s3DataDestination"]["path"]
        .as_str()
        .ok_or_else(|| format!("metric attribution {arn} has no s3DataDestination"))?
        .to_owned();
    let metrics: Vec<Metric> = record
        .body
        .get("metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Metric::from_json)
        .collect();
    let items = item_values(inner, group, &metrics);
    Ok(Plan {
        arn,
        path,
        metrics,
        items,
    })
}

/// The numeric values of the item columns `metrics` sum, from the Items dataset and PutItems.
fn item_values(inner: &impl View, group: &str, metrics: &[Metric]) -> ItemValues {
    let columns: Vec<&str> = metrics
        .iter()
        .filter_map(|m| match &m.expression {
            Expression::Sum {
                dataset: DatasetType::Items,
                column,
            } => Some(column.as_str()),
            _ => None,
        })
        .collect();
    let mut out = ItemValues::new();
    if columns.is_empty() {
        return out;
    }
    let mut put = |item: &personalize_recommender::Item| {
        let values: HashMap<String, f64> = columns
            .iter()
            .filter_map(|c| match item.attributes.get(*c) {
                Some(Attr::Num(n)) => Some(((*c).to_owned(), *n)),
                _ => None,
            })
            .collect();
        out.insert(item.item_id.clone(), values);
    };
    for dataset in inner.children(Kind::Dataset, Kind::DatasetGroup, group) {
        if let Some(Rows::Items(items)) = inner.rows().get(dataset.arn()) {
            items.iter().for_each(&mut put);
        }
    }
    if let Some(log) = inner.logs().get(group) {
        for &i in &log.items {
            if let LogEntry::Item(item) = &log.entries[i].1 {
                put(item);
            }
        }
    }
    out
}

/// The schemas of the group's Interactions and Items datasets, by ARN suffix.
pub fn group_schemas(inner: &impl View, group: &str) -> HashMap<&'static str, Schema> {
    let mut out = HashMap::new();
    for dataset in inner.children(Kind::Dataset, Kind::DatasetGroup, group) {
        let Ok(ty) = DatasetType::parse(dataset.str("datasetType").unwrap_or("")) else {
            continue;
        };
        let schema = inner
            .records()
            .get(dataset.parent(Kind::Schema).unwrap_or(""))
            .and_then(|s| s.str("schema"))
            .and_then(|s| super::avro::parse(s).ok());
        if let Some(schema) = schema {
            out.insert(ty.arn_suffix(), schema);
        }
    }
    out
}

/// Publishes the report of `interactions` under `plan` as `method`; the object written.
///
/// # Errors
/// Why the object could not be written.
pub async fn publish(
    server: &AppState,
    plan: &Plan,
    method: &str,
    interactions: &[Interaction],
) -> Result<String, String> {
    let rows = aggregate(&server.reports, &plan.metrics, interactions, &plan.items);
    let location = report_location(&plan.path, method);
    super::objects::store(
        &server.config,
        super::region_of_arn(&plan.arn),
        &location,
        render(&rows),
    )
    .await
    .map_err(|e| format!("the metric attribution report could not be written: {e}"))?;
    tracing::info!(%location, rows = rows.len(), "metric attribution report published");
    Ok(location)
}

/// Publishes, for every ACTIVE metric attribution with an S3 destination, the events PutEvents
/// stored since its last report (first deliveries, anonymous ones included), then moves its
/// watermark. An attribution with no new event writes nothing. Returns the objects written; a
/// write that fails is logged and retried at the next call (the watermark stays).
pub async fn flush(server: &AppState) -> Vec<String> {
    let _one = server.reports.flushing.lock().await;
    let work: Vec<(Plan, u64, Vec<Interaction>)> = {
        let inner = server.state.read();
        inner
            .records
            .values()
            .filter(|r| r.kind == Kind::MetricAttribution)
            .filter_map(|r| {
                let group = r.parent(Kind::DatasetGroup)?;
                let plan = plan_for_group(&*inner, group).ok()?;
                let after = r.body.get("reportedSeq").and_then(Value::as_u64)?;
                let log = inner.logs.get(group)?;
                let upto = log.entries.last().map_or(after, |(seq, _)| *seq);
                let events = log.events_after(after);
                (upto > after).then_some((plan, upto, events))
            })
            .collect()
    };
    let mut written = Vec::new();
    for (plan, upto, events) in work {
        if !events.is_empty() {
            match publish(server, &plan, "PutEvents", &events).await {
                Ok(location) => written.push(location),
                Err(e) => {
                    tracing::warn!(arn = %plan.arn, "{e}");
                    continue;
                }
            }
        }
        let _ = server.state.mutate(|txn, writes| {
            if let Some(r) = txn.records.get_mut(&plan.arn) {
                r.body.insert("reportedSeq".into(), json!(upto));
                writes.record(txn, &plan.arn);
            }
            Ok(())
        });
    }
    written
}

/// Starts the background publication of streamed events, every
/// `Config::metric_report_interval` (none when it is zero). The task holds the server weakly
/// and ends with it.
pub fn start(server: &AppState) {
    let every = server.config.metric_report_interval;
    if every.is_zero() {
        return;
    }
    let weak = Arc::downgrade(server);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(server) = weak.upgrade() else { return };
            flush(&server).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_parse_as_the_api_reference_gives_them() {
        assert_eq!(
            Expression::parse("SAMPLECOUNT()").unwrap(),
            Expression::SampleCount
        );
        assert_eq!(
            Expression::parse(" samplecount( ) ").unwrap(),
            Expression::SampleCount
        );
        assert_eq!(
            Expression::parse("SUM(Items.PRICE)").unwrap(),
            Expression::Sum {
                dataset: DatasetType::Items,
                column: "PRICE".into()
            }
        );
        assert_eq!(
            Expression::parse("sum(INTERACTIONS.event_value)").unwrap(),
            Expression::Sum {
                dataset: DatasetType::Interactions,
                column: "EVENT_VALUE".into()
            }
        );
        for (text, needle) in [
            ("", "not a function call"),
            ("COUNT()", "unknown function"),
            ("SUM()", "DatasetType.COLUMN"),
            ("SUM(PRICE)", "DatasetType.COLUMN"),
            ("SUM(Users.AGE)", "Interactions or Items"),
            ("SUM(Items.)", "not a column name"),
            ("SUM(Items.PRI CE)", "not a column name"),
            ("SUM(Items.PRICE", "must end with one ')'"),
            ("SUM(Items.PRICE))", "must end with one ')'"),
            ("SUM(Items.P(1))", "must end with one ')'"),
            ("SAMPLECOUNT(Items.PRICE)", "takes no argument"),
            ("SUM(Items.PRICE); DROP", "must end with one ')'"),
        ] {
            let e = Expression::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    fn event(
        item: &str,
        ts: i64,
        ty: &str,
        source: Option<&str>,
        rid: Option<&str>,
    ) -> Interaction {
        let mut attributes = BTreeMap::new();
        if let Some(s) = source {
            attributes.insert(EVENT_ATTRIBUTION_SOURCE.to_owned(), Attr::Str(s.into()));
        }
        if let Some(r) = rid {
            attributes.insert(RECOMMENDATION_ID.to_owned(), Attr::Str(r.into()));
        }
        Interaction {
            user_id: "u".into(),
            item_id: item.into(),
            timestamp: ts,
            event_type: ty.into(),
            event_value: Some(2.5),
            session_id: None,
            attributes,
        }
    }

    /// Event metrics and attribution reports: the source is the eventAttributionSource when
    /// given (even with a recommendationId), else the campaign of the recommendationId, else
    /// SOURCE_NAME_UNDEFINED; rows are per 15-minute window.
    #[test]
    fn interactions_aggregate_per_metric_source_and_window() {
        let reports = Reports::default();
        let rid = reports.issue("arn:c/one");
        let metrics = vec![
            Metric {
                name: "CLICKS".into(),
                event_type: "click".into(),
                expression: Expression::SampleCount,
            },
            Metric {
                name: "REVENUE".into(),
                event_type: "click".into(),
                expression: Expression::Sum {
                    dataset: DatasetType::Items,
                    column: "PRICE".into(),
                },
            },
            Metric {
                name: "VALUE".into(),
                event_type: "click".into(),
                expression: Expression::Sum {
                    dataset: DatasetType::Interactions,
                    column: "EVENT_VALUE".into(),
                },
            },
        ];
        let items: ItemValues = [("a".to_owned(), [("PRICE".to_owned(), 10.0)].into())].into();
        let events = vec![
            event("a", 1800, "click", None, Some(&rid)),
            event("a", 2699, "click", None, Some(&rid)),
            event("b", 2700, "click", Some("email"), Some(&rid)),
            event("a", 1900, "click", None, Some("RID-unknown")),
            event("a", 1900, "view", None, None),
        ];
        let rows = aggregate(&reports, &metrics, &events, &items);
        let got: Vec<(String, String, f64, i64)> = rows
            .iter()
            .map(|r| (r.metric.clone(), r.source.clone(), r.value, r.window))
            .collect();
        let row = |m: &str, s: &str, v: f64, w: i64| (m.to_owned(), s.to_owned(), v, w);
        assert_eq!(
            got,
            [
                row("CLICKS", UNDEFINED_SOURCE, 1.0, 1800),
                row("CLICKS", "arn:c/one", 2.0, 1800),
                row("CLICKS", "email", 1.0, 2700),
                row("REVENUE", UNDEFINED_SOURCE, 10.0, 1800),
                row("REVENUE", "arn:c/one", 20.0, 1800),
                row("VALUE", UNDEFINED_SOURCE, 2.5, 1800),
                row("VALUE", "arn:c/one", 5.0, 1800),
                row("VALUE", "email", 2.5, 2700),
            ]
        );
        let csv = String::from_utf8(render(&rows[..1])).unwrap();
        assert_eq!(
            csv,
            "METRIC_NAME,EVENT_TYPE,VALUE,MATH_FUNCTION,EVENT_ATTRIBUTION_SOURCE,TIMESTAMP\n\
             CLICKS,click,1.0,samplecount,SOURCE_NAME_UNDEFINED,1800\n"
        );
    }

    /// Names and sources are the caller's text: a comma, quote or line break stays inside its
    /// cell (CSV quoting), so a hostile source cannot add a row or a column.
    #[test]
    fn hostile_text_stays_in_its_cell() {
        let rows = vec![ReportRow {
            metric: "A,B".into(),
            event_type: "say \"hi\"".into(),
            value: 1.0,
            function: "samplecount",
            source: "x\nFAKE,click,9.0,sum,evil,0".into(),
            window: 0,
        }];
        let text = String::from_utf8(render(&rows)).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 1, "{text}");
        assert_eq!(&records[0][0], "A,B");
        assert_eq!(&records[0][1], "say \"hi\"");
        assert_eq!(&records[0][4], "x\nFAKE,click,9.0,sum,evil,0");
    }

    #[test]
    fn issued_ids_are_bounded() {
        let reports = Reports::default();
        let first = reports.issue("c1");
        for _ in 0..MAX_ISSUED_IDS {
            reports.issue("c2");
        }
        assert_eq!(reports.campaign_of(&first), None);
        let last = reports.issue("c3");
        assert_eq!(reports.campaign_of(&last).as_deref(), Some("c3"));
    }

    #[test]
    fn paths_are_checked_and_joined() {
        check_path("s3://bucket").unwrap();
        check_path("s3://bucket/metrics/").unwrap();
        for bad in ["bucket/x", "s3://", "s3:///x", "s3://b/../x"] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        let l = report_location("s3://b/m", "FULL");
        assert!(l.starts_with("s3://b/m/AggregatedAttributionMetrics - FULL - "));
        assert!(l.ends_with(".csv"));
        assert!(report_location("s3://b/m/", "PutEvents")
            .starts_with("s3://b/m/AggregatedAttributionMetrics - PutEvents - "));
    }
}
