resource "aws_sns_topic" "alarms" {
  count = var.alarm_topic_arn == null && var.create_alarm_topic ? 1 : 0

  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

locals {
  # Each alarm: what it watches and when it fires (above threshold for every period).
  alarms = merge(
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
  )
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
