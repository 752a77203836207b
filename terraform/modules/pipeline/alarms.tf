resource "aws_sns_topic" "alarms" {
  count = var.alarm_topic_arn == null && var.create_alarm_topic ? 1 : 0

  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = local.functions

  alarm_name          = "${var.name_prefix}-${each.key}-errors"
  alarm_description   = "The ${each.key} Lambda raised errors (unhandled failures, timeouts)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]
  ok_actions          = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  alarm_name          = "${var.name_prefix}-ingest-iterator-age"
  alarm_description   = "The ingest Lambda lags the stream: events reach Personalize late."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = aws_lambda_function.this["ingest"].function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = var.iterator_age_alarm_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]
  ok_actions          = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  alarm_name          = "${var.name_prefix}-ingest-dlq-depth"
  alarm_description   = "Events are in the dead-letter queue: they did not reach Personalize and need a look."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]
  ok_actions          = local.alarm_topic_arn == null ? [] : [local.alarm_topic_arn]
  tags                = var.tags
}
