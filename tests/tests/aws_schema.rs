//! Every hashicorp/aws block of the modules and examples against that provider's schema (from
//! the pinned npm package `@cdktn/provider-aws`, see `testkit::aws_schema`): the closest this
//! project gets to `terraform validate` without the provider. The other tests prove the check
//! fails on each kind of mistake, on real `.tf` files parsed as the project's are.

use std::fs;

use testkit::aws_schema::{self, Report};
use testkit::hcl;

fn check_tf(tf: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("main.tf"), tf).unwrap();
    let files = hcl::parse_dir(dir.path()).unwrap();
    aws_schema::check(aws_schema::schema().unwrap(), &files)
}

#[test]
fn every_hashicorp_aws_block_of_the_modules_and_examples_matches_the_schema() {
    let schema = aws_schema::schema().unwrap();
    assert!(
        schema.provider_version.starts_with("6."),
        "{}",
        schema.provider_version
    );
    let report = aws_schema::check(schema, &hcl::parse_project().unwrap());
    assert!(
        report.checked >= 40,
        "only {} aws_ blocks found: is the parse empty?",
        report.checked
    );
    assert!(
        report.problems.is_empty(),
        "{} of {} hashicorp/aws blocks do not match hashicorp/aws {}:\n{}",
        report.problems.len(),
        report.checked,
        schema.provider_version,
        report.problems.join("\n")
    );
}

const QUEUE: &str = r#"
resource "aws_sqs_queue" "dlq" {
  name                      = "x-dlq"
  message_retention_seconds = 1209600
}
"#;

#[test]
fn a_correct_block_passes() {
    let report = check_tf(QUEUE);
    assert_eq!((report.checked, report.problems), (1, Vec::<String>::new()));
}

#[test]
fn a_misspelt_argument_fails() {
    let report = check_tf(&QUEUE.replace("message_retention_seconds", "message_retention_secs"));
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with(
            "main.tf: resource \"aws_sqs_queue\" \"dlq\": message_retention_secs: no argument or block of that name"
        ),
        "{}",
        report.problems[0]
    );
}

#[test]
fn a_missing_required_argument_fails() {
    let report = check_tf(
        r#"
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = "abc"
  method_path = "*/*"
  settings {
    metrics_enabled = true
  }
}
"#,
    );
    assert_eq!(
        report.problems,
        vec![
            "main.tf: resource \"aws_api_gateway_method_settings\" \"all\": the required argument stage_name is not set"
        ]
    );
}

#[test]
fn a_missing_required_block_fails() {
    let report = check_tf(
        r#"
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = "abc"
  stage_name  = "prod"
  method_path = "*/*"
}
"#,
    );
    assert_eq!(
        report.problems,
        vec![
            "main.tf: resource \"aws_api_gateway_method_settings\" \"all\": the required block settings is missing"
        ]
    );
}

#[test]
fn an_unknown_block_fails_at_any_depth_and_in_dynamic_blocks() {
    let report = check_tf(
        r#"
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
    principal {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
  dynamic "statment" {
    for_each = [1]
    content {
      actions = ["s3:PutObject"]
    }
  }
}
"#,
    );
    let at = "main.tf: data \"aws_iam_policy_document\" \"p\"";
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with(&format!(
            "{at}: statment: no argument or block of that name"
        )),
        "{}",
        report.problems[0]
    );
    assert!(
        report.problems[1].starts_with(&format!(
            "{at}: statement.principal: no argument or block of that name (expected one of: "
        )) && report.problems[1].contains("principals"),
        "{}",
        report.problems[1]
    );
}

#[test]
fn a_repeated_single_block_and_an_unknown_type_fail() {
    let report = check_tf(
        r#"
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  tracing_config {
    mode = "Active"
  }
  tracing_config {
    mode = "PassThrough"
  }
}

resource "aws_lambda_functions" "g" {}
"#,
    );
    assert_eq!(
        report.problems,
        vec![
            "main.tf: resource \"aws_lambda_function\" \"f\": tracing_config: at most one block is allowed, found 2",
            "main.tf: resource \"aws_lambda_functions\" \"g\": hashicorp/aws 6.66.0 has no resource type aws_lambda_functions",
        ]
    );
}
