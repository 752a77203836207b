resource "aws_sns_topic" "alarms" {
  count = var.alarm_topic_arn == null && var.create_alarm_topic ? 1 : 0

  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = toset(length(aws_sns_topic.alarms) == 0 ? [] : var.alarm_emails)

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  # Each alarm: what it watches and when it fires (above threshold for every period).
  # Metrics and dimensions as AWS documents them:
  # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (Errors, Throttles, IteratorAge),
  # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html (5XXError by ApiName and Stage),
  # https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html (DeliveryToS3.DataFreshness),
  # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html,
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html (PutRequests by BucketName and FilterId).
  alarms = merge(
    {
      for name in local.functions : "${name}-throttles" => {
        description = "The ${name} Lambda was throttled: its reserved concurrency is exhausted (callers get 5xx, or ingest falls behind)."
        namespace   = "AWS/Lambda"
        metric      = "Throttles"
        dimensions  = { FunctionName = aws_lambda_function.this[name].function_name }
        statistic   = "Sum"
        period      = 300
        periods     = 1
        threshold   = 0
      }
    },
    {
      for name in local.functions : "${name}-errors" => {
        description = "The ${name} Lambda raised errors (unhandled failures, timeouts)."
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        dimensions  = { FunctionName = aws_lambda_function.this[name].function_name }
        statistic   = "Sum"
        period      = 300
        periods     = 1
        threshold   = 0
      }
    },
    {
      ingest-iterator-age = {
        description = "The ingest Lambda lags the stream: events reach Personalize late."
        namespace   = "AWS/Lambda"
        metric      = "IteratorAge"
        dimensions  = { FunctionName = aws_lambda_function.this["ingest"].function_name }
        statistic   = "Maximum"
        period      = 60
        periods     = 5
        threshold   = var.iterator_age_alarm_ms
      }
      api-5xx = {
        description = "The REST API answered 5xx: a Lambda failed, timed out or was throttled."
        namespace   = "AWS/ApiGateway"
        metric      = "5XXError"
        dimensions  = { ApiName = aws_api_gateway_rest_api.this.name, Stage = aws_api_gateway_stage.prod.stage_name }
        statistic   = "Sum"
        period      = 300
        periods     = 1
        threshold   = var.api_5xx_alarm_count
      }
      archive-freshness = {
        description = "The oldest event not yet archived in S3 is older than expected: Firehose cannot deliver (permissions, key, bucket)."
        namespace   = "AWS/Firehose"
        metric      = "DeliveryToS3.DataFreshness"
        dimensions  = { DeliveryStreamName = aws_kinesis_firehose_delivery_stream.archive.name }
        statistic   = "Maximum"
        period      = 300
        periods     = 1
        threshold   = var.archive_freshness_alarm_seconds
      }
      ingest-dlq-depth = {
        description = "Events are in the dead-letter queue: they did not reach Personalize and need a look."
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = aws_sqs_queue.dlq.name }
        statistic   = "Maximum"
        period      = 300
        periods     = 1
        threshold   = 0
      }
    },
    # The S3 failure destination: a PutObject under aws/lambda/ is a batch the mapping gave up
    # on (the records are safe in the object; replay them). Counted by the request metrics
    # filter below, the only CloudWatch metric of objects written under a prefix.
    var.ingest_failure_destination != "s3" ? {} : {
      ingest-failed-batches = {
        description = "The ingest mapping gave up on a batch and wrote it whole to the data bucket under aws/lambda/: its events have not reached Personalize; replay them."
        namespace   = "AWS/S3"
        metric      = "PutRequests"
        dimensions  = { BucketName = local.bucket_name, FilterId = aws_s3_bucket_metric.ingest_failures[0].name }
        statistic   = "Sum"
        period      = 300
        periods     = 1
        threshold   = 0
      }
    },
  )
}

# S3 request metrics for the mapping's on-failure prefix (billed as CloudWatch custom metrics),
# so the alarm above sees each failed batch the moment Lambda writes it.
resource "aws_s3_bucket_metric" "ingest_failures" {
  count = var.ingest_failure_destination == "s3" ? 1 : 0

  bucket = local.bucket_name
  name   = "ingest-failed-batches"

  filter {
    prefix = "aws/lambda/"
  }

  depends_on = [aws_s3_bucket.data]
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]
  ok_actions          = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]
  tags                = var.tags
}
