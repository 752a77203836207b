# One dashboard for the pipeline: the API, the Lambdas, the stream and ingest lag, the archive,
# the dead letters and the failed batches in S3, each widget beside the alarm that watches it.
# Body structure:
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
locals {
  api_dimensions = ["ApiName", aws_api_gateway_rest_api.this.name, "Stage", aws_api_gateway_stage.prod.stage_name]

  dashboard_widgets = concat([
    {
      title   = "API requests and errors"
      metrics = [for metric in ["Count", "4XXError", "5XXError"] : concat(["AWS/ApiGateway", metric], local.api_dimensions, [{ stat = "Sum" }])]
    },
    {
      title   = "API latency (p99, ms)"
      metrics = [for metric in ["Latency", "IntegrationLatency"] : concat(["AWS/ApiGateway", metric], local.api_dimensions, [{ stat = "p99" }])]
    },
    {
      title   = "Lambda errors and throttles"
      metrics = flatten([for name in sort(tolist(local.functions)) : [for metric in ["Errors", "Throttles"] : ["AWS/Lambda", metric, "FunctionName", aws_lambda_function.this[name].function_name, { stat = "Sum" }]]])
    },
    {
      title   = "Lambda duration (p99, ms)"
      metrics = [for name in sort(tolist(local.functions)) : ["AWS/Lambda", "Duration", "FunctionName", aws_lambda_function.this[name].function_name, { stat = "p99" }]]
    },
    {
      title   = "Events into the stream"
      metrics = [["AWS/Kinesis", "IncomingRecords", "StreamName", aws_kinesis_stream.events.name, { stat = "Sum" }]]
    },
    {
      title   = "Ingest lag (iterator age, ms)"
      metrics = [["AWS/Lambda", "IteratorAge", "FunctionName", aws_lambda_function.this["ingest"].function_name, { stat = "Maximum" }]]
    },
    {
      title   = "Archive freshness (s)"
      metrics = [["AWS/Firehose", "DeliveryToS3.DataFreshness", "DeliveryStreamName", aws_kinesis_firehose_delivery_stream.archive.name, { stat = "Maximum" }]]
    },
    {
      title   = "Dead letters waiting"
      metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.dlq.name, { stat = "Maximum" }]]
    },
    ], var.ingest_failure_destination != "s3" ? [] : [
    {
      title   = "Failed batches written to S3"
      metrics = [["AWS/S3", "PutRequests", "BucketName", local.bucket_name, "FilterId", aws_s3_bucket_metric.ingest_failures[0].name, { stat = "Sum" }]]
    },
  ])
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name_prefix}-pipeline"
  dashboard_body = jsonencode({
    widgets = [
      for index, widget in local.dashboard_widgets : {
        type   = "metric"
        x      = (index % 2) * 12
        y      = floor(index / 2) * 6
        width  = 12
        height = 6
        properties = {
          title   = widget.title
          region  = local.region
          view    = "timeSeries"
          period  = 300
          metrics = widget.metrics
        }
      }
    ]
  })
}
