resource "aws_kinesis_stream" "events" {
  name             = "${var.name_prefix}-events"
  shard_count      = var.stream_mode == "PROVISIONED" ? var.shard_count : null
  retention_period = var.stream_retention_hours
  encryption_type  = "KMS"
  kms_key_id       = local.kms_key_arn
  tags             = var.tags

  stream_mode_details {
    stream_mode = var.stream_mode
  }
}

# Every event, kept for retraining: GZIP, one JSON object a line, partitioned by arrival hour.
resource "aws_kinesis_firehose_delivery_stream" "archive" {
  #checkov:skip=CKV_AWS_240:Firehose server-side encryption applies only to Direct PUT sources; this source is the KMS-encrypted Kinesis stream and the S3 output is KMS-encrypted (extended_s3_configuration.kms_key_arn).
  #checkov:skip=CKV_AWS_241:Same as CKV_AWS_240: no Firehose SSE for a Kinesis source; the stream and the S3 objects use the customer managed key.
  name        = "${var.name_prefix}-archive"
  destination = "extended_s3"
  tags        = var.tags

  kinesis_source_configuration {
    kinesis_stream_arn = aws_kinesis_stream.events.arn
    role_arn           = aws_iam_role.firehose.arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.firehose.arn
    bucket_arn          = local.bucket_arn
    prefix              = "${var.archive_prefix}year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    error_output_prefix = "${local.archive_errors_prefix}!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    compression_format  = "GZIP"
    kms_key_arn         = local.kms_key_arn
    buffering_size      = var.archive_buffering_mb
    buffering_interval  = var.archive_buffering_seconds

    # Records arrive as bare JSON objects; the delimiter makes the files newline-delimited.
    processing_configuration {
      enabled = true
      processors {
        type = "AppendDelimiterToRecord"
      }
    }

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.firehose.name
      log_stream_name = aws_cloudwatch_log_stream.firehose.name
    }
  }
}

resource "aws_cloudwatch_log_group" "firehose" {
  name              = "/aws/kinesisfirehose/${var.name_prefix}-archive"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_stream" "firehose" {
  name           = "DestinationDelivery"
  log_group_name = aws_cloudwatch_log_group.firehose.name
}

# Records that can never reach Personalize: rejected by the ingest Lambda (with the reason),
# and batches the event source mapping gave up on (retries or age exhausted).
resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name_prefix}-ingest-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = local.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.dlq.json
}

data "aws_iam_policy_document" "dlq" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dlq.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
