//! Static checks of the HCL modules and the AWS example: formatting, and the wiring a
//! provider-less parse can prove (hashicorp/aws cannot be installed where the tests run).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::{json, Value};
use testkit::hcl::{self, attr, attr_str, blocks, nested, Block};
use testkit::{paths, terraform};

const PIPELINE: &str = "terraform/modules/pipeline/";
const PERSONALIZE: &str = "terraform/modules/personalize/";
const EXAMPLE: &str = "examples/movies/";
const DOMAIN_EXAMPLE: &str = "examples/movies-domain/";

fn parsed() -> &'static BTreeMap<String, Value> {
    static FILES: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    FILES.get_or_init(|| hcl::parse_project().unwrap())
}

fn resource<'a>(prefix: &str, kind: &str, name: &str) -> Block<'a> {
    *blocks(parsed(), prefix, "resource")
        .iter()
        .find(|b| b.kind == kind && b.name == name)
        .unwrap_or_else(|| panic!("{prefix}: no resource {kind}.{name}"))
}

fn module<'a>(prefix: &str, name: &str) -> Block<'a> {
    *blocks(parsed(), prefix, "module")
        .iter()
        .find(|b| b.kind == name)
        .unwrap_or_else(|| panic!("{prefix}: no module {name}"))
}

fn local<'a>(prefix: &str, name: &str) -> &'a Value {
    parsed()
        .range(prefix.to_owned()..)
        .take_while(|(file, _)| file.starts_with(prefix))
        .filter_map(|(_, body)| body.get("locals")?.as_array())
        .flatten()
        .find_map(|locals| attr(locals, name))
        .unwrap_or_else(|| panic!("{prefix}: no local {name}"))
}

fn names(prefix: &str, block_type: &str) -> BTreeSet<&'static str> {
    blocks(parsed(), prefix, block_type)
        .iter()
        .map(|b| b.kind)
        .collect()
}

#[test]
fn every_tf_file_is_terraform_fmt_clean() {
    let tf = terraform::find().unwrap();
    let root = paths::workspace_root();
    let config = tempfile::NamedTempFile::new().unwrap();
    for dir in ["terraform", "examples"] {
        let out = tf
            .command(&root.join(dir), config.path())
            .args(["fmt", "-check", "-recursive", "-diff"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`terraform fmt -check -recursive` in {dir} wants changes:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn each_lambda_gets_exactly_the_environment_of_the_contract() {
    // python-hcl2 renders the list's quotes one way, checkov's fork the other.
    assert_eq!(
        local(PIPELINE, "functions")
            .as_str()
            .map(|e| e.replace('\'', "\"")),
        Some(r#"${toset(["collect", "ingest", "recommend"])}"#.to_owned())
    );
    let expected = json!({
        "collect": {
            "STREAM_NAME": "${aws_kinesis_stream.events.name}",
            "AUTH_MODE": "${local.auth_mode}",
            "USER_ID_CLAIM": "${var.user_id_claim}",
            "PARTITION_KEY_SALT": "${coalesce(var.partition_key_salt,aws_kinesis_stream.events.arn)}",
            "SEED_MAX_INTERACTIONS": "${tostring(var.seed_max_interactions)}",
            "CORS_ALLOW_ORIGIN": "${local.cors_allow_origin}",
        },
        "ingest": {
            "TRACKING_ID": "${var.tracking_id}",
            "DLQ_URL": "${aws_sqs_queue.dlq.url}",
            "PUT_EVENTS_CONCURRENCY": "${tostring(var.put_events_concurrency)}",
        },
        "recommend": {
            "CAMPAIGN_ARN": "${local.campaign_arn}",
            "RECOMMENDER_ARNS": "${jsonencode(var.recommender_arns)}",
            "FILTER_ARNS": "${jsonencode(var.filter_arns)}",
            "AUTH_MODE": "${local.auth_mode}",
            "USER_ID_CLAIM": "${var.user_id_claim}",
            "CORS_ALLOW_ORIGIN": "${local.cors_allow_origin}",
        },
    });
    assert_eq!(local(PIPELINE, "environment"), &expected);

    let function = resource(PIPELINE, "aws_lambda_function", "this");
    assert_eq!(
        attr_str(function.body, "for_each"),
        Some("${local.functions}")
    );
    let environment = nested(function.body, "environment");
    assert_eq!(environment.len(), 1);
    assert_eq!(
        attr_str(&environment[0], "variables"),
        Some("${local.environment[each.key]}")
    );
    assert_eq!(attr_str(function.body, "runtime"), Some("provided.al2023"));
    assert_eq!(attr_str(function.body, "handler"), Some("bootstrap"));
    for source in [
        "filename",
        "s3_bucket",
        "s3_key",
        "s3_object_version",
        "source_code_hash",
    ] {
        assert_eq!(
            attr_str(function.body, source),
            Some(format!("${{local.lambda_packages[each.key].{source}}}").as_str()),
            "{source}"
        );
    }
    let arch = blocks(parsed(), PIPELINE, "variable")
        .into_iter()
        .find(|v| v.kind == "lambda_architecture")
        .unwrap();
    assert_eq!(attr_str(arch.body, "default"), Some("arm64"));
}

#[test]
fn the_example_feeds_the_lambdas_from_the_personalize_module() {
    let pipeline = module(EXAMPLE, "pipeline");
    for (input, output) in [
        ("campaign_arn", "campaign_arn"),
        ("event_tracker_arn", "event_tracker_arn"),
        ("tracking_id", "tracking_id"),
        ("filter_arns", "filter_arns"),
    ] {
        assert_eq!(
            attr_str(pipeline.body, input),
            Some(format!("${{module.personalize.{output}}}").as_str()),
            "module.pipeline.{input}"
        );
    }
    let personalize = module(EXAMPLE, "personalize");
    assert_eq!(
        attr_str(personalize.body, "role_arn"),
        Some("${module.pipeline.personalize_role_arn}")
    );
    assert_eq!(
        attr_str(personalize.body, "bucket_name"),
        Some("${module.pipeline.bucket_name}")
    );
    // Imports wait for the upload and re-run when the object changes.
    let interactions = attr(personalize.body, "interactions").unwrap();
    assert_eq!(
        interactions["data_version"],
        json!("${aws_s3_object.interactions.version_id}")
    );
}

/// examples/movies-domain: a VIDEO_ON_DEMAND group whose recommenders feed recommend (no
/// campaign), imports of the files `cargo xtask movies-domain-data` writes where the example
/// looks for them.
#[test]
fn the_domain_example_feeds_the_lambdas_from_the_recommenders() {
    let pipeline = module(DOMAIN_EXAMPLE, "pipeline");
    for (input, output) in [
        ("recommender_arns", "recommender_arns"),
        ("event_tracker_arn", "event_tracker_arn"),
        ("tracking_id", "tracking_id"),
        ("filter_arns", "filter_arns"),
    ] {
        assert_eq!(
            attr_str(pipeline.body, input),
            Some(format!("${{module.personalize.{output}}}").as_str()),
            "module.pipeline.{input}"
        );
    }
    assert!(attr(pipeline.body, "campaign_arn").is_none());
    let personalize = module(DOMAIN_EXAMPLE, "personalize");
    assert_eq!(
        attr_str(personalize.body, "domain"),
        Some("VIDEO_ON_DEMAND")
    );
    assert_eq!(
        attr_str(personalize.body, "use_cases"),
        Some("${var.use_cases}")
    );
    let default_use_cases = variable_default(DOMAIN_EXAMPLE, "use_cases");
    for route_use_case in ["top-picks", "more-like-x", "because-you-watched-x"] {
        assert!(
            default_use_cases
                .as_array()
                .unwrap()
                .contains(&json!(route_use_case)),
            "{default_use_cases}"
        );
    }
    for (object, file) in [("interactions", "interactions.csv"), ("items", "items.csv")] {
        let upload = resource(DOMAIN_EXAMPLE, "aws_s3_object", object);
        assert_eq!(
            attr_str(upload.body, "source"),
            Some(format!("${{var.data_dir}}/{file}").as_str())
        );
        assert!(testkit::movies_domain::FILES
            .iter()
            .any(|(name, _)| *name == file));
        assert_eq!(
            attr(personalize.body, object).unwrap()["data_version"],
            json!(format!("${{aws_s3_object.{object}.version_id}}"))
        );
    }
    // The default data_dir is where `cargo xtask movies-domain-data` writes.
    assert_eq!(
        variable_default(DOMAIN_EXAMPLE, "data_dir"),
        &json!("../../target/movies-domain-data")
    );
}

#[test]
fn module_calls_pass_only_declared_inputs_and_every_required_one() {
    for (caller, name, module_dir) in [
        (EXAMPLE, "pipeline", PIPELINE),
        (EXAMPLE, "personalize", PERSONALIZE),
        (
            PIPELINE,
            "api_definition",
            "terraform/modules/api-definition/",
        ),
    ] {
        let call = module(caller, name);
        let declared = names(module_dir, "variable");
        let required: BTreeSet<_> = blocks(parsed(), module_dir, "variable")
            .iter()
            .filter(|v| v.body.get("default").is_none())
            .map(|v| v.kind)
            .collect();
        let passed: BTreeSet<&str> = call
            .body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| !matches!(*k, "source" | "depends_on" | "providers"))
            .collect();
        let unknown: Vec<_> = passed.difference(&declared).collect();
        assert!(
            unknown.is_empty(),
            "{caller}{name} passes undeclared inputs {unknown:?}"
        );
        let missing: Vec<_> = required.difference(&passed).collect();
        assert!(
            missing.is_empty(),
            "{caller}{name} misses required inputs {missing:?}"
        );
    }
    // And reads only outputs that exist.
    let text: String = parsed()
        .iter()
        .filter(|(f, _)| f.starts_with(EXAMPLE))
        .map(|(_, v)| v.to_string())
        .collect();
    for (module_name, module_dir) in [("pipeline", PIPELINE), ("personalize", PERSONALIZE)] {
        let outputs = names(module_dir, "output");
        let prefix = format!("module.{module_name}.");
        for (i, _) in text.match_indices(&prefix) {
            let rest = &text[i + prefix.len()..];
            let output: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                outputs.contains(output.as_str()),
                "{EXAMPLE} reads module.{module_name}.{output}, which is not an output"
            );
        }
    }
}

/// Services whose actions must never be granted on `*`.
const SCOPED_SERVICES: [&str; 3] = ["personalize:", "kinesis:", "sqs:"];

fn statements(body: &Value) -> Vec<&Value> {
    let mut all: Vec<&Value> = nested(body, "statement").iter().collect();
    for dynamic in nested(body, "dynamic") {
        if let Some(statement) = dynamic.get("statement") {
            all.extend(nested(statement, "content"));
        }
    }
    all
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

#[test]
fn iam_policies_name_concrete_arns_for_personalize_kinesis_and_sqs() {
    let mut seen = BTreeMap::new();
    for doc in blocks(parsed(), "", "data")
        .into_iter()
        .filter(|d| d.kind == "aws_iam_policy_document")
    {
        for statement in statements(doc.body) {
            if attr_str(statement, "effect") == Some("Deny") {
                continue;
            }
            let actions = strings(attr(statement, "actions"));
            let resources = strings(attr(statement, "resources"));
            let resources_expr = attr(statement, "resources").map(Value::to_string);
            for action in actions
                .iter()
                .filter(|a| SCOPED_SERVICES.iter().any(|s| a.starts_with(s)))
            {
                let place = format!("{}: data.{}.{}", doc.file, doc.kind, doc.name);
                assert!(!action.contains('*'), "{place}: wildcard action {action}");
                assert!(
                    resources_expr.is_some(),
                    "{place}: {action} without resources"
                );
                for resource in &resources {
                    assert!(
                        resource != "*" && resource.starts_with("${") && !resource.ends_with("*"),
                        "{place}: {action} on {resource}, not a concrete ARN"
                    );
                }
                seen.insert(action.clone(), resources_expr.clone().unwrap_or_default());
            }
        }
    }
    // The grants the Lambdas and Firehose need, each on the ARN it needs.
    for (action, arn) in [
        ("kinesis:PutRecords", "aws_kinesis_stream.events.arn"),
        ("kinesis:GetRecords", "aws_kinesis_stream.events.arn"),
        ("personalize:PutEvents", "var.event_tracker_arn"),
        (
            "personalize:GetRecommendations",
            "local.recommend_resources",
        ),
        ("sqs:SendMessage", "aws_sqs_queue.dlq.arn"),
    ] {
        let resources = seen
            .get(action)
            .unwrap_or_else(|| panic!("no policy grants {action}"));
        assert!(
            resources.contains(arn),
            "{action} on {resources}, wanted {arn}"
        );
    }
}

#[test]
fn the_event_source_mapping_reports_failures_bisects_and_retries_until_the_retention_ends() {
    let mapping = resource(PIPELINE, "aws_lambda_event_source_mapping", "ingest");
    let body = mapping.body;
    assert_eq!(
        attr(body, "function_response_types"),
        Some(&json!(["ReportBatchItemFailures"]))
    );
    assert_eq!(
        attr(body, "bisect_batch_on_function_error"),
        Some(&json!(true))
    );
    assert_eq!(
        attr_str(body, "event_source_arn"),
        Some("${aws_kinesis_stream.events.arn}")
    );
    let destination = nested(body, "destination_config")
        .first()
        .map(|d| nested(d, "on_failure"))
        .and_then(|f| f.first())
        .and_then(|f| attr_str(f, "destination_arn"));
    // Batches it gives up on go whole to the bucket by default (Lambda's S3 on-failure
    // destination keeps the records), metadata only to the DLQ on request.
    assert_eq!(
        destination,
        Some("${var.ingest_failure_destination == \"s3\" ? local.bucket_arn : aws_sqs_queue.dlq.arn}")
    );
    let variables = blocks(parsed(), PIPELINE, "variable");
    let default = |name: &str| {
        variables
            .iter()
            .find(|v| v.kind == name)
            .and_then(|v| attr(v.body, "default"))
            .cloned()
    };
    assert_eq!(default("ingest_failure_destination"), Some(json!("s3")));

    // No event lost to an outage shorter than the stream's retention: no retry-count limit by
    // default (the parser reads HCL's -1 as the expression "${-1}"), a record-age limit that
    // follows the retention, and 7 days of retention.
    assert_eq!(
        attr_str(body, "maximum_retry_attempts"),
        Some("${var.ingest_max_retries}")
    );
    assert_eq!(default("ingest_max_retries"), Some(json!("${-1}")));
    assert_eq!(
        attr_str(body, "maximum_record_age_in_seconds"),
        Some("${local.ingest_max_record_age_seconds}")
    );
    assert_eq!(default("stream_retention_hours"), Some(json!(168)));
}

#[test]
fn the_archive_is_gzip_newline_delimited_time_partitioned_and_encrypted() {
    let firehose = resource(PIPELINE, "aws_kinesis_firehose_delivery_stream", "archive");
    let s3 = &nested(firehose.body, "extended_s3_configuration")[0];
    assert_eq!(attr_str(s3, "compression_format"), Some("GZIP"));
    let prefix = attr_str(s3, "prefix").unwrap();
    for part in [
        "!{timestamp:yyyy}",
        "!{timestamp:MM}",
        "!{timestamp:dd}",
        "!{timestamp:HH}",
    ] {
        assert!(prefix.contains(part), "prefix {prefix} lacks {part}");
    }
    assert!(attr_str(s3, "error_output_prefix")
        .unwrap()
        .contains("!{firehose:error-output-type}"));
    assert_eq!(attr_str(s3, "kms_key_arn"), Some("${local.kms_key_arn}"));
    let processors: Vec<_> = nested(s3, "processing_configuration")
        .iter()
        .flat_map(|p| nested(p, "processors"))
        .filter_map(|p| attr_str(p, "type"))
        .collect();
    assert_eq!(processors, ["AppendDelimiterToRecord"]);
    let source = &nested(firehose.body, "kinesis_source_configuration")[0];
    assert_eq!(
        attr_str(source, "kinesis_stream_arn"),
        Some("${aws_kinesis_stream.events.arn}")
    );

    let stream = resource(PIPELINE, "aws_kinesis_stream", "events");
    assert_eq!(attr_str(stream.body, "encryption_type"), Some("KMS"));
    let mode = blocks(parsed(), PIPELINE, "variable")
        .into_iter()
        .find(|v| v.kind == "stream_mode")
        .unwrap();
    assert_eq!(attr_str(mode.body, "default"), Some("ON_DEMAND"));
}

#[test]
fn the_rest_api_is_built_from_the_openapi_document() {
    let api = resource(PIPELINE, "aws_api_gateway_rest_api", "this");
    assert_eq!(
        attr_str(api.body, "body"),
        Some("${module.api_definition.body}")
    );
    let definition = module(PIPELINE, "api_definition");
    assert_eq!(
        attr_str(definition.body, "source"),
        Some("../api-definition")
    );
    // CORS reaches the preflight and gateway responses, and (blank when off) the functions.
    assert_eq!(
        attr_str(definition.body, "cors_allow_origin"),
        Some("${var.cors_allow_origin}")
    );
    // Every handler the document names is one of the module's functions.
    let handlers = attr(definition.body, "handlers")
        .unwrap()
        .as_object()
        .unwrap();
    for (name, uri) in handlers {
        assert_eq!(
            uri,
            &json!(format!(
                "${{aws_lambda_function.this[\"{name}\"].invoke_arn}}"
            ))
        );
    }
    let document = openapi_document();
    let used: BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .map(|op| {
            op["x-personalize-realtime-handler"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let wired: BTreeSet<String> = handlers.keys().cloned().collect();
    assert_eq!(
        used, wired,
        "handlers of api/openapi.yaml vs module.api_definition"
    );

    // Each route may invoke its own function only.
    let permission = resource(PIPELINE, "aws_lambda_permission", "api");
    assert_eq!(
        attr_str(permission.body, "source_arn"),
        Some("${aws_api_gateway_rest_api.this.execution_arn}/*/${each.value.method}${each.value.path}")
    );
    assert_eq!(
        attr_str(permission.body, "function_name"),
        Some("${aws_lambda_function.this[each.value.handler].function_name}")
    );
    let stage = resource(PIPELINE, "aws_api_gateway_stage", "prod");
    assert_eq!(attr_str(stage.body, "stage_name"), Some("prod"));
    assert!(!nested(stage.body, "access_log_settings").is_empty());
    let auth = blocks(parsed(), PIPELINE, "variable")
        .into_iter()
        .find(|v| v.kind == "api_authorization")
        .unwrap();
    assert_ne!(attr_str(auth.body, "default"), Some("NONE"));
}

fn openapi_document() -> Value {
    testkit::openapi::document().unwrap()
}

#[test]
fn every_log_group_has_a_retention_and_the_key() {
    let groups: Vec<_> = blocks(parsed(), "", "resource")
        .into_iter()
        .filter(|b| b.kind == "aws_cloudwatch_log_group")
        .collect();
    assert!(groups.len() >= 3);
    for group in groups {
        assert_eq!(
            attr_str(group.body, "retention_in_days"),
            Some("${var.log_retention_days}"),
            "{}",
            group.name
        );
        assert_eq!(
            attr_str(group.body, "kms_key_id"),
            Some("${local.kms_key_arn}"),
            "{}",
            group.name
        );
    }
}

#[test]
fn alarms_watch_api_5xx_lambda_errors_throttles_lag_archive_freshness_and_dlq_depth() {
    // An expression, so only its text can be checked.
    let alarms = local(PIPELINE, "alarms").as_str().unwrap();
    for watched in [
        "for name in local.functions",
        // The parser prints the expression back with Python's quotes.
        "'metric': 'Errors'",
        "'metric': 'Throttles'",
        "'metric': 'IteratorAge'",
        "'namespace': 'AWS/ApiGateway'",
        "'metric': '5XXError'",
        "'ApiName': '${aws_api_gateway_rest_api.this.name}'",
        "'namespace': 'AWS/Firehose'",
        "'metric': 'DeliveryToS3.DataFreshness'",
        "'DeliveryStreamName': '${aws_kinesis_firehose_delivery_stream.archive.name}'",
        "var.archive_freshness_alarm_seconds",
        "'metric': 'ApproximateNumberOfMessagesVisible'",
        "aws_sqs_queue.dlq.name",
        // The S3 failure destination: objects written under the mapping's prefix.
        "'namespace': 'AWS/S3'",
        "'metric': 'PutRequests'",
        "aws_s3_bucket_metric.ingest_failures[0].name",
    ] {
        assert!(
            alarms.contains(watched),
            "local.alarms lacks {watched}: {alarms}"
        );
    }
    // Only with the S3 destination, and counting exactly the prefix Lambda writes under.
    assert!(
        alarms.contains("var.ingest_failure_destination != 's3'")
            || alarms.contains("var.ingest_failure_destination != \"s3\""),
        "{alarms}"
    );
    let metric = resource(PIPELINE, "aws_s3_bucket_metric", "ingest_failures");
    assert_eq!(
        attr_str(metric.body, "count").map(|c| c.replace('\'', "\"")),
        Some(r#"${var.ingest_failure_destination == "s3" ? 1 : 0}"#.to_owned())
    );
    assert_eq!(
        attr_str(metric.body, "bucket"),
        Some("${local.bucket_name}")
    );
    let filter = nested(metric.body, "filter");
    assert_eq!(filter.len(), 1);
    assert_eq!(attr_str(&filter[0], "prefix"), Some("aws/lambda/"));
    let alarm = resource(PIPELINE, "aws_cloudwatch_metric_alarm", "this");
    assert_eq!(attr_str(alarm.body, "for_each"), Some("${local.alarms}"));
    for actions in ["alarm_actions", "ok_actions"] {
        let expr = attr_str(alarm.body, actions).unwrap_or_default();
        assert!(expr.contains("local.alarm_topic_arn"), "{actions} = {expr}");
    }
    // Created by default, so the alarms notify someone unless the caller says otherwise.
    let create = blocks(parsed(), PIPELINE, "variable")
        .into_iter()
        .find(|v| v.kind == "create_alarm_topic")
        .unwrap();
    assert_eq!(attr(create.body, "default"), Some(&json!(true)));
    let subscription = resource(PIPELINE, "aws_sns_topic_subscription", "alarm_email");
    assert_eq!(
        attr_str(subscription.body, "topic_arn"),
        Some("${aws_sns_topic.alarms[0].arn}")
    );
}

#[test]
fn the_dashboard_shows_what_the_alarms_watch() {
    let widgets = local(PIPELINE, "dashboard_widgets").to_string();
    for metric in [
        "5XXError",
        "Latency",
        "Throttles",
        "Errors",
        "Duration",
        "IncomingRecords",
        "IteratorAge",
        "DeliveryToS3.DataFreshness",
        "ApproximateNumberOfMessagesVisible",
        "PutRequests",
    ] {
        // A quoted name, in a literal list or inside an expression's text (Python's quotes).
        assert!(
            widgets.contains(&format!("\"{metric}\"")) || widgets.contains(&format!("'{metric}'")),
            "no dashboard widget shows {metric}: {widgets}"
        );
    }
    let dashboard = resource(PIPELINE, "aws_cloudwatch_dashboard", "this");
    let body = attr_str(dashboard.body, "dashboard_body").unwrap();
    assert!(body.contains("local.dashboard_widgets"), "{body}");
}

#[test]
fn personalize_reads_only_the_training_prefix_never_the_archive() {
    let docs: Vec<_> = blocks(parsed(), PIPELINE, "data")
        .into_iter()
        .filter(|d| {
            d.kind == "aws_iam_policy_document" && ["personalize", "bucket"].contains(&d.name)
        })
        .collect();
    assert_eq!(docs.len(), 2, "the role's policy and the bucket policy");
    for doc in docs {
        for statement in statements(doc.body) {
            let actions = strings(attr(statement, "actions"));
            if !actions.iter().any(|a| a == "s3:GetObject") {
                continue;
            }
            let objects: Vec<String> = strings(attr(statement, "resources"))
                .into_iter()
                .filter(|r| r.contains("${local.bucket_arn}/"))
                .collect();
            assert_eq!(
                objects,
                vec!["${local.bucket_arn}/${var.training_prefix}*".to_owned()],
                "data.{}.{}: s3:GetObject must name the training prefix only",
                doc.kind,
                doc.name
            );
        }
    }
    // The two prefixes may not overlap, or the role could read the archive after all.
    let policy = resource(PIPELINE, "aws_iam_role_policy", "personalize");
    let precondition = nested(&nested(policy.body, "lifecycle")[0], "precondition");
    let condition = attr_str(&precondition[0], "condition")
        .unwrap()
        .replace(' ', "");
    assert!(
        condition.contains("!startswith(var.archive_prefix,var.training_prefix)")
            && condition.contains("!startswith(var.training_prefix,var.archive_prefix)"),
        "{condition}"
    );
}

#[test]
fn the_archive_and_its_errors_expire_after_the_configured_days() {
    let lifecycle = resource(PIPELINE, "aws_s3_bucket_lifecycle_configuration", "data");
    let dynamic = nested(lifecycle.body, "dynamic");
    let rule = dynamic
        .iter()
        .find_map(|d| d.get("rule"))
        .expect("a dynamic rule block");
    let for_each = attr_str(rule, "for_each").unwrap();
    for part in [
        "var.archive_expiration_days ==",
        "var.archive_prefix",
        "local.archive_errors_prefix",
    ] {
        assert!(for_each.contains(part), "for_each lacks {part}: {for_each}");
    }
    let content = &nested(rule, "content")[0];
    assert_eq!(attr_str(content, "status"), Some("Enabled"));
    assert_eq!(
        attr_str(&nested(content, "filter")[0], "prefix"),
        Some("${rule.value}")
    );
    assert_eq!(
        attr_str(&nested(content, "expiration")[0], "days"),
        Some("${var.archive_expiration_days}")
    );
}

fn variable_default<'a>(prefix: &str, name: &str) -> &'a Value {
    let found = blocks(parsed(), prefix, "variable")
        .into_iter()
        .find(|v| v.kind == name)
        .unwrap_or_else(|| panic!("{prefix}: no variable {name}"));
    attr(found.body, "default").unwrap_or_else(|| panic!("{name} has no default"))
}

#[test]
fn post_data_gets_a_much_lower_throttle_than_the_stage_and_no_shared_quota() {
    let throttles = variable_default(PIPELINE, "route_throttles");
    let data = &throttles["POST /data"];
    let stage_rate = variable_default(PIPELINE, "throttle_rate_limit")
        .as_f64()
        .unwrap();
    let stage_burst = variable_default(PIPELINE, "throttle_burst_limit")
        .as_f64()
        .unwrap();
    assert!(
        data["rate_limit"].as_f64().unwrap() * 5.0 <= stage_rate
            && data["burst_limit"].as_f64().unwrap() * 5.0 <= stage_burst,
        "POST /data {data} is not much lower than the stage's {stage_rate}/{stage_burst}"
    );
    let settings = resource(PIPELINE, "aws_api_gateway_method_settings", "route");
    let for_each = attr_str(settings.body, "for_each").unwrap();
    assert!(
        for_each.contains("module.api_definition.routes")
            && for_each.contains("var.route_throttles"),
        "{for_each}"
    );
    // API Gateway's method path: the resource path without its leading slash, then the method.
    assert_eq!(
        attr_str(settings.body, "method_path"),
        Some("${trimprefix(each.value.path, \"/\")}/${each.value.method}")
    );
    let applied = &nested(settings.body, "settings")[0];
    assert_eq!(
        attr_str(applied, "throttling_rate_limit"),
        Some("${each.value.rate_limit}")
    );
    // One key is shared by every caller: a quota on it is one every caller can exhaust.
    assert_eq!(
        variable_default(PIPELINE, "api_quota_per_day"),
        &Value::Null
    );
}

#[test]
fn the_module_web_acl_limits_bodies_with_a_413_json_and_rates_per_address() {
    let acl = resource(PIPELINE, "aws_wafv2_web_acl", "api");
    assert_eq!(attr_str(acl.body, "scope"), Some("REGIONAL"));
    let limit = &nested(
        &nested(&nested(acl.body, "association_config")[0], "request_body")[0],
        "api_gateway",
    )[0];
    assert_eq!(
        attr_str(limit, "default_size_inspection_limit"),
        Some("KB_64")
    );
    let bodies: BTreeMap<&str, &Value> = nested(acl.body, "custom_response_body")
        .iter()
        .map(|b| (attr_str(b, "key").unwrap(), b))
        .collect();
    assert_eq!(
        attr_str(bodies["too-large"], "content_type"),
        Some("APPLICATION_JSON")
    );

    let size_rule = &nested(acl.body, "rule")[0];
    assert_eq!(attr_str(size_rule, "name"), Some("body-size"));
    let response = &nested(
        &nested(&nested(size_rule, "action")[0], "block")[0],
        "custom_response",
    )[0];
    assert_eq!(attr(response, "response_code"), Some(&json!(413)));
    assert_eq!(
        attr_str(response, "custom_response_body_key"),
        Some("too-large")
    );
    let size = &nested(
        &nested(size_rule, "statement")[0],
        "size_constraint_statement",
    )[0];
    assert_eq!(attr_str(size, "comparison_operator"), Some("GT"));
    assert_eq!(attr_str(size, "size"), Some("${var.max_body_kb * 1024}"));
    let body = &nested(&nested(size, "field_to_match")[0], "body")[0];
    assert_eq!(
        attr_str(body, "oversize_handling"),
        Some("MATCH"),
        "a body over 64 KB must match, not pass"
    );

    let rate = nested(acl.body, "dynamic")
        .iter()
        .find_map(|d| d.get("rule"))
        .expect("the optional rate-based rule");
    assert!(attr_str(rate, "for_each")
        .unwrap()
        .contains("var.waf_rate_limit =="));
    let content = &nested(rate, "content")[0];
    let statement = &nested(&nested(content, "statement")[0], "rate_based_statement")[0];
    assert_eq!(attr_str(statement, "aggregate_key_type"), Some("IP"));
    let response = &nested(
        &nested(&nested(content, "action")[0], "block")[0],
        "custom_response",
    )[0];
    assert_eq!(attr(response, "response_code"), Some(&json!(429)));

    // Associated with the stage, or the caller's own ACL instead.
    let association = resource(PIPELINE, "aws_wafv2_web_acl_association", "prod");
    let arn = attr_str(association.body, "web_acl_arn").unwrap();
    assert!(
        arn.contains("? var.web_acl_arn : aws_wafv2_web_acl.api[0].arn"),
        "{arn}"
    );
    assert_eq!(variable_default(PIPELINE, "create_web_acl"), &json!(true));
}
