//! Metric attributions through the real SDK: CRUD and ListMetricAttributionMetrics, one per
//! dataset group, metrics checked against the schemas, reports of import jobs and of PutEvents
//! read back from the data root ("Publishing metric attribution reports to Amazon S3"), the
//! sources they attribute to, and the bad input of each operation.

mod common;

use std::path::Path;
use std::time::Duration;

use aws_sdk_personalize::types::{
    DataSource, MetricAttribute, MetricAttributionOutput, S3DataConfig,
};
use aws_sdk_personalizeevents::types::{Event, MetricAttribution as EventAttribution};
use common::*;
use personalize_local::data::metric_reports;
use personalize_local::Config;

const INTERACTIONS: &str = r#"{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"},{"name":"EVENT_VALUE","type":["null","float"]},{"name":"RECOMMENDATION_ID","type":["null","string"]},{"name":"EVENT_ATTRIBUTION_SOURCE","type":["null","string"]}],"version":"1.0"}"#;
const ITEMS: &str = r#"{"type":"record","name":"Items","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"ITEM_ID","type":"string"},{"name":"PRICE","type":"float"},{"name":"GENRE","type":"string","categorical":true}],"version":"1.0"}"#;

/// Interactions over two 15-minute windows (1,700,000,100 is a multiple of 900, so the
/// windows start at 1,700,000,100 and 1,700,001,000), three sources.
const INTERACTIONS_CSV: &str =
    "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE,RECOMMENDATION_ID,EVENT_ATTRIBUTION_SOURCE
u1,i1,1700000100,click,1.5,,email
u2,i1,1700000200,click,2.0,,email
u3,i2,1700000300,click,,,
u1,i2,1700001000,click,4.0,,partner
u2,i1,1700001000,view,9.0,,email
u3,i2,1700001100,click,1.0,,
";
const ITEMS_CSV: &str = "ITEM_ID,PRICE,GENRE\ni1,10.0,Comedy\ni2,2.5,Drama\n";

fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("mi.csv"), INTERACTIONS_CSV).unwrap();
    std::fs::write(data.join("mitems.csv"), ITEMS_CSV).unwrap();
    dir
}

fn metric(name: &str, event_type: &str, expression: &str) -> MetricAttribute {
    MetricAttribute::builder()
        .metric_name(name)
        .event_type(event_type)
        .expression(expression)
        .build()
        .unwrap()
}

fn output(path: &str) -> MetricAttributionOutput {
    MetricAttributionOutput::builder()
        .role_arn(ROLE)
        .s3_data_destination(S3DataConfig::builder().path(path).build().unwrap())
        .build()
        .unwrap()
}

/// A group with the Interactions and Items datasets above (items imported): (group,
/// interactions dataset).
async fn group_with_datasets(p: &aws_sdk_personalize::Client, name: &str) -> (String, String) {
    let group = dataset_group(p, name).await;
    let (_, interactions) = dataset(
        p,
        &group,
        &format!("{name}-i"),
        "Interactions",
        INTERACTIONS,
    )
    .await;
    let (_, items) = dataset(p, &group, &format!("{name}-items"), "Items", ITEMS).await;
    let job = import(p, &items, &format!("{name}-items"), "mitems.csv", None).await;
    assert_eq!(
        job.status.as_deref(),
        Some("ACTIVE"),
        "{:?}",
        job.failure_reason
    );
    (group, interactions)
}

async fn create(
    p: &aws_sdk_personalize::Client,
    group: &str,
    name: &str,
    metrics: Vec<MetricAttribute>,
    path: &str,
) -> Result<
    String,
    aws_sdk_personalize::operation::create_metric_attribution::CreateMetricAttributionError,
> {
    p.create_metric_attribution()
        .name(name)
        .dataset_group_arn(group)
        .set_metrics(Some(metrics))
        .metrics_output_config(output(path))
        .send()
        .await
        .map(|o| o.metric_attribution_arn.unwrap())
        .map_err(|e| e.into_service_error())
}

fn standard_metrics() -> Vec<MetricAttribute> {
    vec![
        metric("CLICKS", "click", "SAMPLECOUNT()"),
        metric("REVENUE", "click", "SUM(Items.PRICE)"),
        metric("VALUE", "click", "SUM(Interactions.EVENT_VALUE)"),
    ]
}

/// The reports under `dir` whose name has `method`, each parsed into rows
/// (METRIC_NAME, EVENT_TYPE, VALUE, MATH_FUNCTION, EVENT_ATTRIBUTION_SOURCE, TIMESTAMP).
fn reports(dir: &Path, method: &str) -> Vec<Vec<Vec<String>>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(&format!("AggregatedAttributionMetrics - {method} - "))
                && name.ends_with(".csv")
        })
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let mut lines = text.lines();
            assert_eq!(
                lines.next(),
                Some(
                    "METRIC_NAME,EVENT_TYPE,VALUE,MATH_FUNCTION,EVENT_ATTRIBUTION_SOURCE,TIMESTAMP"
                )
            );
            lines
                .map(|l| l.split(',').map(str::to_owned).collect())
                .collect()
        })
        .collect()
}

fn row(m: &str, t: &str, v: &str, f: &str, s: &str, ts: &str) -> Vec<String> {
    [m, t, v, f, s, ts]
        .iter()
        .map(|x| (*x).to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_job_publishes_its_report_and_putevents_are_attributed_to_their_source() {
    let root = root();
    let (server, endpoint) = serve(Config {
        metric_report_interval: Duration::ZERO,
        ..instant_config(root.path())
    })
    .await;
    let c = Clients::new(&endpoint);
    let p = &c.control;
    let (group, interactions) = group_with_datasets(p, "ma").await;
    let arn = create(p, &group, "ma", standard_metrics(), "s3://reports/ma")
        .await
        .unwrap();
    assert!(arn.ends_with(":metric-attribution/ma"), "{arn}");
    let described = p
        .describe_metric_attribution()
        .metric_attribution_arn(&arn)
        .send()
        .await
        .unwrap()
        .metric_attribution
        .unwrap();
    assert_eq!(described.status.as_deref(), Some("ACTIVE"));
    assert_eq!(described.dataset_group_arn.as_deref(), Some(group.as_str()));
    assert_eq!(
        described
            .metrics_output_config
            .unwrap()
            .s3_data_destination
            .unwrap()
            .path,
        "s3://reports/ma"
    );
    let listed = p
        .list_metric_attributions()
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap()
        .metric_attributions
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].metric_attribution_arn.as_deref(),
        Some(arn.as_str())
    );

    // The import job asks for a report: written before it is ACTIVE, one row per metric,
    // source and window.
    let job = p
        .create_dataset_import_job()
        .job_name("ma-i")
        .dataset_arn(&interactions)
        .publish_attribution_metrics_to_s3(true)
        .data_source(
            DataSource::builder()
                .data_location("s3://data/mi.csv")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .dataset_import_job_arn
        .unwrap();
    let job = p
        .describe_dataset_import_job()
        .dataset_import_job_arn(&job)
        .send()
        .await
        .unwrap()
        .dataset_import_job
        .unwrap();
    assert_eq!(
        job.status.as_deref(),
        Some("ACTIVE"),
        "{:?}",
        job.failure_reason
    );
    assert_eq!(job.publish_attribution_metrics_to_s3, Some(true));
    let dir = root.path().join("reports/ma");
    let full = reports(&dir, "FULL");
    assert_eq!(full.len(), 1);
    let (w1, w2) = ("1700000100", "1700001000");
    assert_eq!(
        full[0],
        [
            row(
                "CLICKS",
                "click",
                "1.0",
                "samplecount",
                "SOURCE_NAME_UNDEFINED",
                w1
            ),
            row("CLICKS", "click", "2.0", "samplecount", "email", w1),
            row(
                "CLICKS",
                "click",
                "1.0",
                "samplecount",
                "SOURCE_NAME_UNDEFINED",
                w2
            ),
            row("CLICKS", "click", "1.0", "samplecount", "partner", w2),
            row(
                "REVENUE",
                "click",
                "2.5",
                "sum",
                "SOURCE_NAME_UNDEFINED",
                w1
            ),
            row("REVENUE", "click", "20.0", "sum", "email", w1),
            row(
                "REVENUE",
                "click",
                "2.5",
                "sum",
                "SOURCE_NAME_UNDEFINED",
                w2
            ),
            row("REVENUE", "click", "2.5", "sum", "partner", w2),
            row("VALUE", "click", "3.5", "sum", "email", w1),
            row("VALUE", "click", "1.0", "sum", "SOURCE_NAME_UNDEFINED", w2),
            row("VALUE", "click", "4.0", "sum", "partner", w2),
        ]
    );

    // A campaign's recommendationId names it as the source; eventAttributionSource wins over
    // it; an event with neither is SOURCE_NAME_UNDEFINED.
    let (_, version) = trained_version(
        p,
        &group,
        "ma",
        "arn:aws:personalize:::recipe/aws-popularity-count",
    )
    .await;
    let campaign = p
        .create_campaign()
        .name("ma")
        .solution_version_arn(&version)
        .send()
        .await
        .unwrap()
        .campaign_arn
        .unwrap();
    let rid = c
        .runtime
        .get_recommendations()
        .campaign_arn(&campaign)
        .user_id("u1")
        .send()
        .await
        .unwrap()
        .recommendation_id
        .unwrap();
    let tracking = p
        .create_event_tracker()
        .name("ma")
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap()
        .tracking_id
        .unwrap();
    let at = |secs: i64| aws_smithy_types::DateTime::from_secs(secs);
    let events = vec![
        Event::builder()
            .event_type("click")
            .item_id("i1")
            .sent_at(at(1_700_010_000))
            .recommendation_id(&rid)
            .build()
            .unwrap(),
        Event::builder()
            .event_type("click")
            .item_id("i2")
            .sent_at(at(1_700_010_001))
            .recommendation_id(&rid)
            .metric_attribution(
                EventAttribution::builder()
                    .event_attribution_source("newsletter")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap(),
        Event::builder()
            .event_type("click")
            .item_id("i1")
            .event_value(3.0)
            .sent_at(at(1_700_010_002))
            .build()
            .unwrap(),
        Event::builder()
            .event_type("view")
            .item_id("i1")
            .sent_at(at(1_700_010_003))
            .build()
            .unwrap(),
    ];
    c.events
        .put_events()
        .tracking_id(&tracking)
        .session_id("s")
        .user_id("u9")
        .set_event_list(Some(events))
        .send()
        .await
        .unwrap();
    let written = metric_reports::flush(&server).await;
    assert_eq!(written.len(), 1, "{written:?}");
    let streamed = reports(&dir, "PutEvents");
    let w = "1700010000";
    assert_eq!(
        streamed,
        [vec![
            row(
                "CLICKS",
                "click",
                "1.0",
                "samplecount",
                "SOURCE_NAME_UNDEFINED",
                w
            ),
            row("CLICKS", "click", "1.0", "samplecount", &campaign, w),
            row("CLICKS", "click", "1.0", "samplecount", "newsletter", w),
            row(
                "REVENUE",
                "click",
                "10.0",
                "sum",
                "SOURCE_NAME_UNDEFINED",
                w
            ),
            row("REVENUE", "click", "10.0", "sum", &campaign, w),
            row("REVENUE", "click", "2.5", "sum", "newsletter", w),
            row("VALUE", "click", "3.0", "sum", "SOURCE_NAME_UNDEFINED", w),
        ]]
    );
    // Published once: nothing new, nothing written.
    assert!(metric_reports::flush(&server).await.is_empty());
    assert_eq!(reports(&dir, "PutEvents").len(), 1);

    // UpdateMetricAttribution: metrics removed and added, a new path; the next report
    // follows both.
    p.update_metric_attribution()
        .metric_attribution_arn(&arn)
        .remove_metrics("REVENUE")
        .remove_metrics("VALUE")
        .add_metrics(metric("VIEWS", "view", "samplecount()"))
        .metrics_output_config(output("s3://reports/ma2/"))
        .send()
        .await
        .unwrap();
    let names = |page: &[MetricAttribute]| -> Vec<String> {
        page.iter().map(|m| m.metric_name.clone()).collect()
    };
    let first = p
        .list_metric_attribution_metrics()
        .metric_attribution_arn(&arn)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(names(first.metrics()), ["CLICKS"]);
    let second = p
        .list_metric_attribution_metrics()
        .metric_attribution_arn(&arn)
        .next_token(first.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(names(second.metrics()), ["VIEWS"]);
    assert!(second.next_token.is_none());
    c.events
        .put_events()
        .tracking_id(&tracking)
        .session_id("s")
        .user_id("u9")
        .event_list(
            Event::builder()
                .event_type("view")
                .item_id("i2")
                .sent_at(at(1_700_020_000))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(metric_reports::flush(&server).await.len(), 1);
    assert_eq!(
        reports(&root.path().join("reports/ma2"), "PutEvents"),
        [vec![row(
            "VIEWS",
            "view",
            "1.0",
            "samplecount",
            "SOURCE_NAME_UNDEFINED",
            "1700019900"
        )]]
    );

    // The group cannot go while the attribution is there; the attribution can.
    let err = p
        .delete_dataset_group()
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_in_use_exception(), "{err:?}");
    p.delete_metric_attribution()
        .metric_attribution_arn(&arn)
        .send()
        .await
        .unwrap();
    let err = p
        .describe_metric_attribution()
        .metric_attribution_arn(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}

/// The background publication runs on its cadence without anyone calling flush.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_events_are_published_on_the_configured_cadence() {
    let root = root();
    let server = personalize_local::testing::TestServer::start(Config {
        metric_report_interval: Duration::from_millis(100),
        ..instant_config(root.path())
    });
    let c = Clients::new(server.endpoint());
    let p = &c.control;
    let (group, _) = group_with_datasets(p, "cad").await;
    create(p, &group, "cad", standard_metrics(), "s3://reports/cad")
        .await
        .unwrap();
    let tracking = p
        .create_event_tracker()
        .name("cad")
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap()
        .tracking_id
        .unwrap();
    c.events
        .put_events()
        .tracking_id(&tracking)
        .session_id("s")
        .user_id("u1")
        .event_list(
            Event::builder()
                .event_type("click")
                .item_id("i2")
                .sent_at(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let dir = root.path().join("reports/cad");
    // The cadence is 100 ms: the report must appear well within 10 s.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while reports(&dir, "PutEvents").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no PutEvents report after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        reports(&dir, "PutEvents")[0][0],
        row(
            "CLICKS",
            "click",
            "1.0",
            "samplecount",
            "SOURCE_NAME_UNDEFINED",
            "1699999200"
        )
    );
}

fn message<E: std::fmt::Debug>(err: &E) -> String {
    format!("{err:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_metric_attributions_are_refused_precisely() {
    let root = root();
    let (_server, endpoint) = serve(instant_config(root.path())).await;
    let c = Clients::new(&endpoint);
    let p = &c.control;
    let (group, interactions) = group_with_datasets(p, "bad").await;

    // Expressions and columns, each with its reason.
    for (expression, needle) in [
        ("COUNT()", "unknown function"),
        ("SUM(PRICE)", "DatasetType.COLUMN"),
        ("SUM(Users.AGE)", "Interactions or Items"),
        ("SUM(Items.COLOUR)", "has no column COLOUR"),
        ("SUM(Items.GENRE)", "GENRE is not numeric"),
        ("SUM(Interactions.EVENT_TYPE)", "EVENT_TYPE is not numeric"),
        ("SAMPLECOUNT(Items.PRICE)", "takes no argument"),
        ("SUM(Items.PRICE)) OR 1=1 --", "must end with one ')'"),
        ("SUM(Items.\u{202e}PRICE)", "not a column name"),
    ] {
        let err = create(
            p,
            &group,
            "bad",
            vec![metric("M", "click", expression)],
            "s3://r/x",
        )
        .await
        .unwrap_err();
        assert!(err.is_invalid_input_exception(), "{expression}: {err:?}");
        assert!(message(&err).contains(needle), "{expression}: {err:?}");
    }
    // Names and event types.
    for (metrics, needle) in [
        (
            vec![
                metric("M", "click", "SAMPLECOUNT()"),
                metric("M", "view", "SAMPLECOUNT()"),
            ],
            "used twice",
        ),
        (
            vec![metric("", "click", "SAMPLECOUNT()")],
            "metricName is empty",
        ),
        (
            vec![metric("M", " ", "SAMPLECOUNT()")],
            "eventType is empty",
        ),
        (vec![], "at least one metric"),
    ] {
        let err = create(p, &group, "bad", metrics, "s3://r/x")
            .await
            .unwrap_err();
        assert!(err.is_invalid_input_exception(), "{err:?}");
        assert!(message(&err).contains(needle), "{needle}: {err:?}");
    }
    // Oversized: 11 metrics, an expression over 256 characters (the model's limits).
    let eleven = (0..11)
        .map(|i| metric(&format!("M{i}"), "click", "SAMPLECOUNT()"))
        .collect();
    let err = create(p, &group, "bad", eleven, "s3://r/x")
        .await
        .unwrap_err();
    assert_eq!(err.meta().code(), Some("ValidationException"), "{err:?}");
    let long = format!("SUM(Items.{})", "P".repeat(300));
    let err = create(
        p,
        &group,
        "bad",
        vec![metric("M", "click", &long)],
        "s3://r/x",
    )
    .await
    .unwrap_err();
    assert_eq!(err.meta().code(), Some("ValidationException"), "{err:?}");
    // A path that is not S3, or climbs out of its bucket.
    for path in ["reports/local", "s3://", "s3://b/../../x"] {
        let err = create(p, &group, "bad", standard_metrics(), path)
            .await
            .unwrap_err();
        assert!(message(&err).contains("path"), "{path}: {err:?}");
    }
    // A group that is not there; one without an Items dataset for SUM(Items.X).
    let err = create(
        p,
        &group.replace("dataset-group/bad", "dataset-group/none"),
        "bad",
        standard_metrics(),
        "s3://r/x",
    )
    .await
    .unwrap_err();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let bare = dataset_group(p, "bare").await;
    let err = create(p, &bare, "bare", standard_metrics(), "s3://r/x")
        .await
        .unwrap_err();
    assert!(message(&err).contains("has no Items dataset"), "{err:?}");

    // One per dataset group.
    let arn = create(p, &group, "one", standard_metrics(), "s3://r/x")
        .await
        .unwrap();
    let err = create(p, &group, "two", standard_metrics(), "s3://r/y")
        .await
        .unwrap_err();
    assert!(err.is_resource_already_exists_exception(), "{err:?}");
    assert!(message(&err).contains(&arn), "{err:?}");

    // UpdateMetricAttribution's own errors.
    let update = || p.update_metric_attribution().metric_attribution_arn(&arn);
    let cases: Vec<(_, &str)> = vec![
        (update(), "Nothing to update"),
        (update().remove_metrics("NOPE"), "no metric named NOPE"),
        (
            update().add_metrics(metric("CLICKS", "click", "SAMPLECOUNT()")),
            "already has a metric named CLICKS",
        ),
        (
            update()
                .remove_metrics("CLICKS")
                .remove_metrics("REVENUE")
                .remove_metrics("VALUE"),
            "at least one metric",
        ),
        (
            update().add_metrics(metric("G", "click", "SUM(Items.GENRE)")),
            "GENRE is not numeric",
        ),
        (
            update().metrics_output_config(output("http://x/y")),
            "s3://",
        ),
    ];
    for (call, needle) in cases {
        let err = call.send().await.unwrap_err().into_service_error();
        assert!(err.is_invalid_input_exception(), "{needle}: {err:?}");
        assert!(message(&err).contains(needle), "{needle}: {err:?}");
    }
    let mut eight_more = update();
    for i in 0..8 {
        eight_more = eight_more.add_metrics(metric(&format!("X{i}"), "click", "SAMPLECOUNT()"));
    }
    let err = eight_more.send().await.unwrap_err().into_service_error();
    assert!(message(&err).contains("at most 10 metrics"), "{err:?}");
    let err = p
        .update_metric_attribution()
        .remove_metrics("CLICKS")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        message(&err).contains("metricAttributionArn is required"),
        "{err:?}"
    );
    // Nothing of a refused update stuck.
    let metrics = p
        .list_metric_attribution_metrics()
        .metric_attribution_arn(&arn)
        .send()
        .await
        .unwrap()
        .metrics
        .unwrap();
    assert_eq!(metrics.len(), 3);

    // publishAttributionMetricsToS3 only for interactions, only with an attribution.
    let items_dataset = interactions.replace("/INTERACTIONS", "/ITEMS");
    let publish = |dataset: &str, name: &str| {
        p.create_dataset_import_job()
            .job_name(name)
            .dataset_arn(dataset)
            .publish_attribution_metrics_to_s3(true)
            .data_source(
                DataSource::builder()
                    .data_location("s3://data/mitems.csv")
                    .build(),
            )
            .send()
    };
    let err = publish(&items_dataset, "p1")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        message(&err).contains("not an Interactions dataset"),
        "{err:?}"
    );
    let (_, bare_interactions) =
        dataset(p, &bare, "bare-i", "Interactions", INTERACTIONS_SCHEMA).await;
    let err = publish(&bare_interactions, "p2")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        message(&err).contains("has no metric attribution"),
        "{err:?}"
    );

    // A hostile eventAttributionSource is refused by the model (printable ASCII only).
    let tracking = p
        .create_event_tracker()
        .name("bad")
        .dataset_group_arn(&group)
        .send()
        .await
        .unwrap()
        .tracking_id
        .unwrap();
    let err = c
        .events
        .put_events()
        .tracking_id(&tracking)
        .session_id("s")
        .user_id("u")
        .event_list(
            watch()
                .item_id("i1")
                .metric_attribution(
                    EventAttribution::builder()
                        .event_attribution_source("line\nbreak")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.meta().code(), Some("ValidationException"), "{err:?}");
}

/// CREATE PENDING > CREATE IN_PROGRESS > ACTIVE, one stage each, and DELETE PENDING >
/// DELETE IN_PROGRESS > gone; Update and Delete refuse an attribution that is not ACTIVE.
#[tokio::test(start_paused = true)]
async fn a_metric_attribution_goes_through_its_lifecycle() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use serde_json::{json, Value};
    use tower::ServiceExt;

    const STAGE: Duration = Duration::from_secs(3);
    let r = personalize_local::app(
        personalize_local::Server::open(Config {
            stage_delay: STAGE,
            ..Config::default()
        })
        .unwrap(),
    );
    async fn call(r: &axum::Router, op: &str, body: Value) -> Value {
        let request = Request::post("/")
            .header("x-amz-target", format!("AmazonPersonalize.{op}"))
            .header("content-type", "application/x-amz-json-1.1")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = r.clone().oneshot(request).await.unwrap();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }
    async fn step() {
        tokio::time::advance(STAGE).await;
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }
    let status = |arn: String| {
        let r = r.clone();
        async move {
            let out = call(
                &r,
                "DescribeMetricAttribution",
                json!({"metricAttributionArn": arn}),
            )
            .await;
            out["metricAttribution"]["status"]
                .as_str()
                .unwrap_or_else(|| out["__type"].as_str().unwrap())
                .to_owned()
        }
    };
    let group = call(&r, "CreateDatasetGroup", json!({"name": "g"})).await["datasetGroupArn"]
        .as_str()
        .unwrap()
        .to_owned();
    step().await;
    step().await;
    let create = json!({
        "name": "m", "datasetGroupArn": group,
        "metrics": [{"eventType": "click", "expression": "SAMPLECOUNT()", "metricName": "C"}],
        "metricsOutputConfig": {"roleArn": ROLE, "s3DataDestination": {"path": "s3://b/m"}}
    });
    let arn = call(&r, "CreateMetricAttribution", create).await["metricAttributionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status(arn.clone()).await, "CREATE PENDING");
    let update = json!({"metricAttributionArn": arn, "removeMetrics": ["C"],
        "addMetrics": [{"eventType": "view", "expression": "SAMPLECOUNT()", "metricName": "V"}]});
    let refused = call(&r, "UpdateMetricAttribution", update.clone()).await;
    assert_eq!(refused["__type"], "ResourceInUseException", "{refused}");
    let refused = call(
        &r,
        "DeleteMetricAttribution",
        json!({"metricAttributionArn": arn}),
    )
    .await;
    assert_eq!(refused["__type"], "ResourceInUseException", "{refused}");
    step().await;
    assert_eq!(status(arn.clone()).await, "CREATE IN_PROGRESS");
    step().await;
    assert_eq!(status(arn.clone()).await, "ACTIVE");
    let updated = call(&r, "UpdateMetricAttribution", update).await;
    assert_eq!(updated["metricAttributionArn"], arn.as_str(), "{updated}");
    call(
        &r,
        "DeleteMetricAttribution",
        json!({"metricAttributionArn": arn}),
    )
    .await;
    assert_eq!(status(arn.clone()).await, "DELETE PENDING");
    step().await;
    assert_eq!(status(arn.clone()).await, "DELETE IN_PROGRESS");
    step().await;
    assert_eq!(status(arn).await, "ResourceNotFoundException");
}

/// boto3 (botocore's shapes checked on every response) writes a metric attribution's report to
/// moto S3 through an import job, and reads it back from there.
#[test]
fn boto3_reads_an_import_report_back_from_moto_s3() {
    let moto = testkit::moto::Moto::start().unwrap();
    let server = personalize_local::testing::TestServer::start(Config {
        instant: true,
        s3_endpoint: Some(moto.endpoint().to_owned()),
        metric_report_interval: Duration::ZERO,
        ..Config::default()
    });
    let summary = python_summary(
        "emulator/tests/metric_attributions/boto3_metric_reports.py",
        &[
            ("PL_ENDPOINT", server.endpoint().as_ref()),
            ("S3_ENDPOINT", moto.endpoint().as_ref()),
        ],
    );
    assert_eq!(summary["rows"], 4, "{summary}");
    assert!(
        summary["checked_responses"].as_u64().unwrap() >= 12,
        "{summary}"
    );
}
