//! Bad module inputs are refused at plan time with a message naming the input. A module's
//! `variables.tf` needs no provider, so Terraform plans it alone here, for the pipeline module
//! too (whose resources need hashicorp/aws, which cannot be installed where tests run).
// The bad-input object below is one json! literal of every validated input.
#![recursion_limit = "256"]

use std::fs;

use serde_json::{json, Value};
use testkit::{paths, terraform};

/// Plans `module_dir`'s variables.tf alone with `inputs`: success, and the output (stdout and
/// stderr, whitespace collapsed).
fn plan_variables(module_dir: &str, inputs: &Value) -> (bool, String) {
    let tf = terraform::find().unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        paths::project_file(&format!("{module_dir}/variables.tf")),
        dir.path().join("variables.tf"),
    )
    .unwrap();
    fs::write(
        dir.path().join("terraform.tfvars.json"),
        serde_json::to_vec(inputs).unwrap(),
    )
    .unwrap();
    let config = dir.path().join("cli.tfrc");
    fs::write(&config, "").unwrap();
    let out = tf
        .command(dir.path(), &config)
        .args(["plan", "-input=false", "-no-color"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Terraform wraps long messages: compare with every run of whitespace as one space.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (out.status.success(), text)
}

fn merged(base: &Value, overrides: &Value) -> Value {
    let mut all = base.clone();
    for (k, v) in overrides.as_object().unwrap() {
        all[k] = v.clone();
    }
    all
}

fn pipeline_inputs() -> Value {
    json!({
        "name_prefix": "movies",
        "campaign_arn": "arn:aws:personalize:us-east-1:123456789012:campaign/movies-campaign",
        "event_tracker_arn": "arn:aws:personalize:us-east-1:123456789012:event-tracker/1cd6e5f5",
        "tracking_id": "1cd6e5f5-0c1b-4b8e-9e0a-3f6f2b0e7d11",
        "lambda_dist_dir": "dist/lambda",
        "filter_arns": { "comedies": "arn:aws:personalize:us-east-1:123456789012:filter/movies-comedies" },
    })
}

#[test]
fn the_pipeline_accepts_the_example_inputs() {
    let (ok, out) = plan_variables("terraform/modules/pipeline", &pipeline_inputs());
    assert!(ok, "{out}");
    // examples/movies-domain: recommenders, no campaign.
    let mut domain = merged(
        &pipeline_inputs(),
        &json!({ "recommender_arns": {
            "top-picks": "arn:aws:personalize:us-east-1:123456789012:recommender/movies-top-picks",
            "more-like-x": "arn:aws:personalize:us-east-1:123456789012:recommender/movies-more-like-x",
        }}),
    );
    domain.as_object_mut().unwrap().remove("campaign_arn");
    let (ok, out) = plan_variables("terraform/modules/pipeline", &domain);
    assert!(ok, "{out}");
}

#[test]
fn the_pipeline_refuses_each_bad_input_with_its_reason() {
    // One bad value for each validated input; Terraform reports every failed rule in one plan.
    let bad = json!({
        "name_prefix": "Movies_Prod",
        "campaign_arn": "arn:aws:personalize:us-east-1:123456789012:solution/movies",
        "event_tracker_arn": "*",
        "tracking_id": "",
        "filter_arns": { "all": "*" },
        "bucket_name": "Data_Bucket",
        "kms_key_arn": "alias/movies",
        "stream_mode": "FAST",
        "shard_count": 0.5,
        "stream_retention_hours": 1,
        "archive_prefix": "events",
        "archive_buffering_seconds": 5,
        "archive_buffering_mb": 500,
        "lambda_architecture": "arm",
        "lambda_memory_mb": 64,
        "lambda_timeout_seconds": 60,
        "reserved_concurrency": { "collect": 0, "ingest": 1, "recommend": 1 },
        "put_events_concurrency": 1000,
        "log_retention_days": 10,
        "ingest_batch_size": 0,
        "ingest_batching_window_seconds": 301,
        "ingest_max_retries": -2,
        "ingest_max_record_age_seconds": 10,
        "ingest_failure_destination": "sns",
        "ingest_timeout_seconds": 5,
        "api_authorization": "OPEN",
        "cognito_user_pool_arn": "arn:aws:iam::123456789012:role/x",
        "jwt_authorizer_function_arn": "jwt",
        "user_id_claim": "",
        "seed_max_interactions": 1001,
        "cors_allow_origin": "https://shop.example.com/app",
        "throttle_rate_limit": 0,
        "throttle_burst_limit": 0,
        "execution_logging_level": "DEBUG",
        "iterator_age_alarm_ms": 10,
        "archive_expiration_days": 0.5,
        "training_prefix": "/import",
        "alarm_emails": ["ops@example.com", "not an address"],
        "api_5xx_alarm_count": -1,
        "archive_freshness_alarm_seconds": 30,
        "max_body_kb": 128,
        "waf_rate_limit": 5,
        "api_quota_per_day": 0.5,
        "route_throttles": { "data": { "rate_limit": 0, "burst_limit": 1 } },
        "recommender_arns": {
            "top-pick": "arn:aws:personalize:us-east-1:123456789012:campaign/x",
            "top-picks": "arn:aws:personalize:us-east-1:123456789012:recommender/t",
            "recommended-for-you": "arn:aws:personalize:us-east-1:123456789012:recommender/r",
        },
    });
    let (ok, out) = plan_variables(
        "terraform/modules/pipeline",
        &merged(&pipeline_inputs(), &bad),
    );
    assert!(!ok, "bad inputs were accepted:\n{out}");
    for message in [
        "name_prefix must be 2-24 characters",
        "campaign_arn must be a Personalize campaign ARN",
        "recommender_arns keys must be use cases",
        "Every recommender_arns value must be a Personalize recommender ARN",
        "recommender_arns may hold top-picks (VIDEO_ON_DEMAND) or recommended-for-you (ECOMMERCE), not both",
        "event_tracker_arn must be a Personalize event tracker ARN",
        "tracking_id must be the event tracker's tracking id",
        "Every filter_arns value must be a Personalize filter ARN",
        "bucket_name must be a valid S3 bucket name",
        "kms_key_arn must be a KMS key ARN",
        "stream_mode must be ON_DEMAND or PROVISIONED",
        "shard_count must be a whole number",
        "stream_retention_hours must be between 24 and 8760",
        "archive_prefix must be a non-empty S3 key prefix ending in '/'",
        "archive_buffering_seconds must be between 60 and 900",
        "archive_buffering_mb must be between 1 and 128",
        "lambda_architecture must be arm64 or x86_64",
        "lambda_memory_mb must be between 128 and 10240",
        "lambda_timeout_seconds must be between 1 and 29",
        "Every reserved_concurrency value must be at least 1",
        "put_events_concurrency must be between 1 and 64",
        "log_retention_days must be a value CloudWatch Logs accepts",
        "ingest_batch_size must be between 1 and 10000",
        "ingest_batching_window_seconds must be between 0 and 300",
        "ingest_max_retries must be -1 (until the records expire) or a whole number between 0 and 10000",
        "ingest_max_record_age_seconds must be null, -1 or between 60 and 604800",
        "ingest_failure_destination must be s3 or sqs",
        "ingest_timeout_seconds must be between 10 and 900",
        "api_authorization must be COGNITO, JWT or IAM",
        "cognito_user_pool_arn must be a Cognito user pool ARN",
        "jwt_authorizer_function_arn must be a Lambda function ARN",
        "user_id_claim must be 1 to 128 characters",
        "seed_max_interactions must be a whole number from 1 to 1000",
        "cors_allow_origin must be",
        "throttle_rate_limit must be positive",
        "throttle_burst_limit must be a whole number of at least 1",
        "execution_logging_level must be OFF, ERROR or INFO",
        "iterator_age_alarm_ms must be at least 1000",
        "archive_expiration_days must be a whole number of days >= 1, or null",
        "training_prefix must be a non-empty S3 key prefix ending in '/'",
        "Every alarm_emails entry must be an email address",
        "api_5xx_alarm_count must be a whole number >= 0",
        "archive_freshness_alarm_seconds must be at least 60",
        "max_body_kb must be a whole number between 1 and 64",
        "waf_rate_limit must be a whole number between 10 and 2000000000, or null",
        "api_quota_per_day must be a whole number of at least 1, or null",
        "Every route_throttles key must be",
    ] {
        assert!(out.contains(message), "no {message:?} in:\n{out}");
    }
}

#[test]
fn the_pipeline_takes_prebuilt_packages_and_refuses_bad_ones() {
    let mut inputs = pipeline_inputs();
    inputs.as_object_mut().unwrap().remove("lambda_dist_dir");
    let good = json!({ "lambda_packages": {
        "collect": {
            "s3_bucket": "releases-bucket",
            "s3_key": "personalize-realtime/v0.1.0/collect-arm64.zip",
            "s3_object_version": "3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
            "source_code_hash": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
        },
        "ingest": { "filename": "dist/ingest-arm64.zip" },
        "recommend": {
            "s3_bucket": "releases-bucket",
            "s3_key": "personalize-realtime/v0.1.0/recommend-arm64.zip",
            "source_code_hash": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
        },
    }});
    let (ok, out) = plan_variables("terraform/modules/pipeline", &merged(&inputs, &good));
    assert!(ok, "{out}");

    let bad = json!({ "lambda_packages": {
        "bogus": { "filename": "x.zip" },
        "collect": { "filename": "a.zip", "s3_bucket": "releases-bucket", "s3_key": "k" },
        "ingest": { "s3_bucket": "Bad_Bucket", "s3_key": "/collect-arm64.zip" },
        "recommend": { "filename": "r.zip", "source_code_hash": "abc" },
    }});
    let (ok, out) = plan_variables("terraform/modules/pipeline", &merged(&inputs, &bad));
    assert!(!ok, "bad packages were accepted:\n{out}");
    for message in [
        "lambda_packages keys must be collect, ingest or recommend",
        "needs either filename or s3_bucket and s3_key, not both",
        "needs s3_bucket, s3_key and source_code_hash",
        "source_code_hash must be the base64 SHA-256 of the zip",
        "s3_bucket must be a valid S3 bucket name and s3_key an object key without a leading '/'",
    ] {
        assert!(out.contains(message), "no {message:?} in:\n{out}");
    }
}

#[test]
fn the_pipeline_refuses_a_missing_required_input() {
    let mut inputs = pipeline_inputs();
    inputs.as_object_mut().unwrap().remove("event_tracker_arn");
    let (ok, out) = plan_variables("terraform/modules/pipeline", &inputs);
    assert!(!ok);
    assert!(
        out.contains("input variable \"event_tracker_arn\" is not set"),
        "{out}"
    );
}

#[test]
fn the_personalize_module_refuses_bad_imports() {
    let base = json!({
        "name_prefix": "movies",
        "role_arn": "arn:aws:iam::123456789012:role/movies-personalize",
        "bucket_name": "movies-data",
        "interactions": { "key": "import/interactions.csv", "data_version": "v1" },
    });
    let (ok, out) = plan_variables("terraform/modules/personalize", &base);
    assert!(ok, "{out}");

    let bad = json!({
        "name_prefix": "-movies",
        "role_arn": "movies-personalize",
        "interactions": { "key": "/import/interactions.csv", "data_version": "", "schema": "{not json" },
        "items": { "key": "", "data_version": "v1" },
        "users": { "key": "u.csv", "data_version": "v1", "schema": "[]" },
        "filters": { "ok": "" },
    });
    let (ok, out) = plan_variables("terraform/modules/personalize", &merged(&base, &bad));
    assert!(!ok, "bad inputs were accepted:\n{out}");
    for message in [
        "name_prefix must be 1-30 letters",
        "role_arn must be an IAM role ARN",
        "interactions.key must be an object key without a leading '/'",
        "interactions.data_version must not be empty",
        "interactions.schema must be an Avro record schema",
        "items needs a non-empty key and data_version",
        "users.schema must be an Avro record schema",
        "expressions 1-2500 characters",
    ] {
        assert!(out.contains(message), "no {message:?} in:\n{out}");
    }
}

#[test]
fn the_personalize_module_refuses_bad_training_and_ranking_settings() {
    let base = json!({
        "name_prefix": "movies",
        "role_arn": "arn:aws:iam::123456789012:role/movies-personalize",
        "bucket_name": "movies-data",
        "interactions": { "key": "import/interactions.csv", "data_version": "v1" },
    });
    let good = json!({
        "perform_auto_training": false,
        "event_parameters": { "watch": { "weight": 1 }, "click": { "weight": 0.3, "event_value_threshold": 0.5 } },
        "ranking_influence": { "POPULARITY": 0.2, "FRESHNESS": 0 },
        "excluded_dataset_columns": { "ITEMS": ["DESCRIPTION"], "INTERACTIONS": ["EVENT_VALUE"] },
    });
    let (ok, out) = plan_variables("terraform/modules/personalize", &merged(&base, &good));
    assert!(ok, "{out}");

    // Eleven event types, one weighing 1.5; an unknown and an out-of-range influence; an
    // unknown dataset type, an id column and an empty list of columns.
    let mut eleven: serde_json::Map<String, Value> =
        (1..=10).map(|i| (format!("type{i}"), json!({}))).collect();
    eleven.insert("click".into(), json!({ "weight": 1.5 }));
    let bad = json!({
        "event_parameters": eleven,
        "ranking_influence": { "PRICE": 0.5, "FRESHNESS": 2 },
        "excluded_dataset_columns": { "Items": ["DESCRIPTION"], "INTERACTIONS": ["TIMESTAMP"], "USERS": [] },
    });
    let (ok, out) = plan_variables("terraform/modules/personalize", &merged(&base, &bad));
    assert!(!ok, "bad inputs were accepted:\n{out}");
    for message in [
        "event_parameters takes at most 10 event types (the Personalize limit); got 11.",
        "Every event_parameters weight must be from 0 to 1 (and no entry null); out of range: click = 1.5.",
        "ranking_influence keys must be POPULARITY or FRESHNESS; unknown: PRICE.",
        "Every ranking_influence value must be from 0 to 1; out of range: FRESHNESS = 2.",
        "excluded_dataset_columns keys must be INTERACTIONS, ITEMS or USERS; unknown: Items.",
        "excluded_dataset_columns cannot leave out the id columns training needs",
        "got INTERACTIONS: TIMESTAMP.",
        "excluded_dataset_columns values must be non-empty lists of column names",
    ] {
        assert!(out.contains(message), "no {message:?} in:\n{out}");
    }

    // Null where a value is expected is refused too, naming the entry.
    let nulls = json!({
        "event_parameters": { "click": null },
        "ranking_influence": { "POPULARITY": null },
    });
    let (ok, out) = plan_variables("terraform/modules/personalize", &merged(&base, &nulls));
    assert!(!ok, "null inputs were accepted:\n{out}");
    for message in [
        "out of range: click = null.",
        "out of range: POPULARITY = null.",
    ] {
        assert!(out.contains(message), "no {message:?} in:\n{out}");
    }
}
