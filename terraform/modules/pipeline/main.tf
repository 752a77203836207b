data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  kms_key_arn = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.this[0].arn

  bucket_name = coalesce(var.bucket_name, "${var.name_prefix}-data-${local.account_id}")
  bucket_arn  = "arn:${local.partition}:s3:::${local.bucket_name}"

  # Firehose writes records it could not deliver beside the archive.
  archive_errors_prefix = "${trimsuffix(var.archive_prefix, "/")}-errors/"

  # Records are retried until an hour before Kinesis trims them (Lambda allows at most 7 days),
  # then written to the on-failure destination.
  ingest_max_record_age_seconds = coalesce(
    var.ingest_max_record_age_seconds,
    min(var.stream_retention_hours * 3600 - 3600, 604800),
  )

  # Every Lambda of the pipeline; the zip names are the contract with `cargo xtask dist-lambdas`.
  functions = toset(["collect", "ingest", "recommend"])

  user_pool_arn = var.cognito_user_pool_arn != null ? var.cognito_user_pool_arn : try(aws_cognito_user_pool.users[0].arn, null)

  # IAM callers are backends acting for any user; COGNITO and JWT callers act for themselves.
  auth_mode = var.api_authorization == "IAM" ? "service" : "user"

  # The HTTP functions add Access-Control-Allow-Origin to their answers (blank: no CORS).
  cors_allow_origin = var.cors_allow_origin == null ? "" : var.cors_allow_origin

  # Blank when null: recommend reads a blank variable as unset (a recommenders-only deployment).
  campaign_arn = var.campaign_arn == null ? "" : var.campaign_arn

  # What recommend may call GetRecommendations on: the campaign, the recommenders, the filters.
  recommend_resources = concat(
    var.campaign_arn == null ? [] : [var.campaign_arn],
    values(var.recommender_arns),
    values(var.filter_arns),
  )

  # The environment of each Lambda is the contract with the Lambda crates (DESIGN.md).
  environment = {
    collect = {
      STREAM_NAME           = aws_kinesis_stream.events.name
      AUTH_MODE             = local.auth_mode
      USER_ID_CLAIM         = var.user_id_claim
      PARTITION_KEY_SALT    = coalesce(var.partition_key_salt, aws_kinesis_stream.events.arn)
      SEED_MAX_INTERACTIONS = tostring(var.seed_max_interactions)
      CORS_ALLOW_ORIGIN     = local.cors_allow_origin
    }
    ingest = {
      TRACKING_ID            = var.tracking_id
      DLQ_URL                = aws_sqs_queue.dlq.url
      PUT_EVENTS_CONCURRENCY = tostring(var.put_events_concurrency)
    }
    recommend = {
      CAMPAIGN_ARN      = local.campaign_arn
      RECOMMENDER_ARNS  = jsonencode(var.recommender_arns)
      FILTER_ARNS       = jsonencode(var.filter_arns)
      AUTH_MODE         = local.auth_mode
      USER_ID_CLAIM     = var.user_id_claim
      CORS_ALLOW_ORIGIN = local.cors_allow_origin
    }
  }

  alarm_topic_arn = var.alarm_topic_arn != null ? var.alarm_topic_arn : (var.create_alarm_topic ? aws_sns_topic.alarms[0].arn : null)
}

# One customer managed key for everything at rest, unless the caller brings one.
resource "aws_kms_key" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "${var.name_prefix}: personalize-realtime data, stream, queue and logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms[0].json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${var.name_prefix}-personalize-realtime"
  target_key_id = aws_kms_key.this[0].key_id
}

data "aws_iam_policy_document" "kms" {
  count = var.kms_key_arn == null ? 1 : 0

  # Key administration stays with the account's IAM policies (the default key policy).
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts the module's log groups with the key.
  statement {
    sid       = "CloudWatchLogsUseTheKey"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/*/${var.name_prefix}-*"]
    }
  }

  # CloudWatch alarms publish to the encrypted alarm topic.
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}
