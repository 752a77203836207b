//! `terraform/iam/deployer-policy.json`, the policy a deploying role needs (README, "Use it
//! from your infra repo"), covers every resource and data source type the modules declare:
//! for each, the action that creates (or reads) it must be allowed. A module that starts using
//! a type this table does not know fails here, naming the type, until the policy says what it
//! needs. Action names follow the Service Authorization Reference ("Actions, resources, and
//! condition keys for AWS services"; API Gateway authorises by HTTP verb there).

use serde_json::Value;
use testkit::{hcl, paths};

/// The action without which the type cannot be created or read (with the provider's reads
/// and deletes written beside it in the policy).
const NEEDS: &[(&str, &[&str])] = &[
    (
        "aws_cloudwatch_dashboard",
        &["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"],
    ),
    (
        "aws_wafv2_web_acl",
        &["wafv2:CreateWebACL", "wafv2:DeleteWebACL"],
    ),
    (
        "aws_api_gateway_",
        &["apigateway:POST", "apigateway:GET", "apigateway:DELETE"],
    ),
    (
        "aws_cloudwatch_log_group",
        &["logs:CreateLogGroup", "logs:DeleteLogGroup"],
    ),
    ("aws_cloudwatch_log_stream", &["logs:CreateLogStream"]),
    (
        "aws_cloudwatch_metric_alarm",
        &["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
    ),
    (
        "aws_iam_role",
        &["iam:CreateRole", "iam:DeleteRole", "iam:PassRole"],
    ),
    (
        "aws_iam_role_policy",
        &["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
    ),
    (
        "aws_iam_role_policy_attachment",
        &["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
    ),
    (
        "aws_kinesis_firehose_delivery_stream",
        &[
            "firehose:CreateDeliveryStream",
            "firehose:DeleteDeliveryStream",
        ],
    ),
    (
        "aws_kinesis_stream",
        &["kinesis:CreateStream", "kinesis:DeleteStream"],
    ),
    ("aws_kms_key", &["kms:CreateKey", "kms:ScheduleKeyDeletion"]),
    ("aws_kms_alias", &["kms:CreateAlias", "kms:DeleteAlias"]),
    (
        "aws_lambda_function",
        &[
            "lambda:CreateFunction",
            "lambda:DeleteFunction",
            "s3:GetObject",
            "s3:GetObjectVersion",
        ],
    ),
    (
        "aws_lambda_event_source_mapping",
        &[
            "lambda:CreateEventSourceMapping",
            "lambda:DeleteEventSourceMapping",
        ],
    ),
    (
        "aws_lambda_permission",
        &["lambda:AddPermission", "lambda:RemovePermission"],
    ),
    (
        "aws_s3_bucket",
        &["s3:CreateBucket", "s3:DeleteBucket", "s3:GetBucketPolicy"],
    ),
    (
        "aws_s3_bucket_lifecycle_configuration",
        &["s3:PutLifecycleConfiguration"],
    ),
    ("aws_s3_bucket_logging", &["s3:PutBucketLogging"]),
    (
        "aws_s3_bucket_metric",
        &["s3:PutMetricsConfiguration", "s3:GetMetricsConfiguration"],
    ),
    (
        "aws_s3_bucket_ownership_controls",
        &["s3:PutBucketOwnershipControls"],
    ),
    (
        "aws_s3_bucket_policy",
        &["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
    ),
    (
        "aws_s3_bucket_public_access_block",
        &["s3:PutBucketPublicAccessBlock"],
    ),
    (
        "aws_s3_bucket_server_side_encryption_configuration",
        &["s3:PutEncryptionConfiguration"],
    ),
    ("aws_s3_bucket_versioning", &["s3:PutBucketVersioning"]),
    ("aws_sns_topic", &["sns:CreateTopic", "sns:DeleteTopic"]),
    (
        "aws_sns_topic_subscription",
        &["sns:Subscribe", "sns:Unsubscribe"],
    ),
    ("aws_sqs_queue", &["sqs:CreateQueue", "sqs:DeleteQueue"]),
    ("aws_sqs_queue_policy", &["sqs:SetQueueAttributes"]),
    (
        "aws_cognito_user_pool_client",
        &[
            "cognito-idp:CreateUserPoolClient",
            "cognito-idp:DeleteUserPoolClient",
            "cognito-idp:DescribeUserPoolClient",
        ],
    ),
    (
        "aws_cognito_user_pool",
        &[
            "cognito-idp:CreateUserPool",
            "cognito-idp:DeleteUserPool",
            "cognito-idp:DescribeUserPool",
            "cognito-idp:SetUserPoolMfaConfig",
        ],
    ),
    (
        "aws_wafv2_web_acl_association",
        &[
            "wafv2:AssociateWebACL",
            "wafv2:DisassociateWebACL",
            "apigateway:SetWebACL",
        ],
    ),
    (
        "personalize_dataset_group",
        &[
            "personalize:CreateDatasetGroup",
            "personalize:DeleteDatasetGroup",
        ],
    ),
    (
        "personalize_schema",
        &["personalize:CreateSchema", "personalize:DeleteSchema"],
    ),
    (
        "personalize_dataset",
        &[
            "personalize:CreateDataset",
            "personalize:UpdateDataset",
            "personalize:DeleteDataset",
        ],
    ),
    (
        "personalize_dataset_import_job",
        &["personalize:CreateDatasetImportJob", "iam:PassRole"],
    ),
    (
        "personalize_solution",
        &[
            "personalize:CreateSolution",
            "personalize:UpdateSolution",
            "personalize:DeleteSolution",
        ],
    ),
    (
        "personalize_solution_version",
        &[
            "personalize:CreateSolutionVersion",
            "personalize:StopSolutionVersionCreation",
            "personalize:GetSolutionMetrics",
        ],
    ),
    (
        "personalize_campaign",
        &[
            "personalize:CreateCampaign",
            "personalize:UpdateCampaign",
            "personalize:DeleteCampaign",
        ],
    ),
    (
        "personalize_metric_attribution",
        &[
            "personalize:CreateMetricAttribution",
            "personalize:DescribeMetricAttribution",
            "personalize:ListMetricAttributionMetrics",
            "personalize:UpdateMetricAttribution",
            "personalize:DeleteMetricAttribution",
        ],
    ),
    (
        "personalize_recommender",
        &[
            "personalize:CreateRecommender",
            "personalize:DescribeRecommender",
            "personalize:UpdateRecommender",
            "personalize:StartRecommender",
            "personalize:StopRecommender",
            "personalize:DeleteRecommender",
        ],
    ),
    (
        "personalize_event_tracker",
        &[
            "personalize:CreateEventTracker",
            "personalize:DeleteEventTracker",
        ],
    ),
    (
        "personalize_filter",
        &["personalize:CreateFilter", "personalize:DeleteFilter"],
    ),
    // Data sources: only the caller identity calls AWS; the others are computed locally.
    ("aws_caller_identity", &["sts:GetCallerIdentity"]),
    ("aws_iam_policy_document", &[]),
    ("aws_partition", &[]),
    ("aws_region", &[]),
];

/// The allowed actions of the policy (strings, possibly with `*`).
fn allowed() -> Vec<String> {
    let text =
        std::fs::read_to_string(paths::project_file("terraform/iam/deployer-policy.json")).unwrap();
    let policy: Value = serde_json::from_str(&text).unwrap();
    let mut actions = Vec::new();
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        for action in statement["Action"].as_array().unwrap() {
            actions.push(action.as_str().unwrap().to_owned());
        }
    }
    actions
}

/// IAM matching: case-insensitive, `*` for any run of characters.
fn matches(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match pattern.split_once('*') {
        None => pattern == action,
        Some((head, tail)) => {
            action.starts_with(head)
                && (0..=action.len() - head.len()).any(|i| matches(tail, &action[head.len() + i..]))
        }
    }
}

/// What the table says a type needs: its own entry, else the longest prefix entry (`_` end).
fn needs(kind: &str) -> Option<&'static [&'static str]> {
    NEEDS
        .iter()
        .find(|(k, _)| *k == kind)
        .or_else(|| {
            NEEDS
                .iter()
                .filter(|(k, _)| k.ends_with('_') && kind.starts_with(k))
                .max_by_key(|(k, _)| k.len())
        })
        .map(|(_, a)| *a)
}

#[test]
fn wildcards_match_as_iam_matches_them() {
    assert!(matches("s3:GetBucket*", "s3:GetBucketPolicy"));
    assert!(matches("s3:*", "s3:GetObject"));
    assert!(!matches("s3:GetBucket*", "s3:GetObject"));
    assert!(matches("kms:createkey", "kms:CreateKey"));
}

#[test]
fn the_deployer_policy_covers_every_type_the_modules_use() {
    let files = hcl::parse_dir(&paths::project_file("terraform/modules")).unwrap();
    let allowed = allowed();
    let mut missing = Vec::new();
    let mut seen = 0;
    for block_type in ["resource", "data"] {
        for block in hcl::blocks(&files, "", block_type) {
            seen += 1;
            let Some(actions) = needs(block.kind) else {
                missing.push(format!(
                    "{} ({}): a type this test does not know; add what it needs to \
                     terraform/iam/deployer-policy.json and to NEEDS",
                    block.kind, block.file
                ));
                continue;
            };
            for action in actions {
                if !allowed.iter().any(|p| matches(p, action)) {
                    missing.push(format!("{} ({}) needs {action}", block.kind, block.file));
                }
            }
        }
    }
    assert!(seen > 40, "only {seen} blocks parsed");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
