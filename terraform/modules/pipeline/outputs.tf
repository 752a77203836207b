output "api_url" {
  description = "Invoke URL of the prod stage, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/prod."
  value       = aws_api_gateway_stage.prod.invoke_url
}

output "rest_api_id" {
  description = "Id of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "api_key" {
  description = "The API key callers send as x-api-key for usage metering (null unless api_key_required)."
  value       = var.api_key_required ? aws_api_gateway_api_key.this[0].value : null
  sensitive   = true
}

output "invoke_policy_json" {
  description = "IAM policy allowing execute-api:Invoke on each route of the prod stage: attach it to the callers' roles when api_authorization is IAM."
  value       = data.aws_iam_policy_document.invoke["all"].json
}

output "routes" {
  description = "The API's routes as { method, path, handler }, from the OpenAPI document."
  value       = module.api_definition.routes
}

output "bucket_name" {
  description = "The data bucket (created or adopted): put import files here."
  value       = local.bucket_name
}

output "bucket_arn" {
  description = "ARN of the data bucket."
  value       = local.bucket_arn
}

output "bucket_policy_json" {
  description = "The bucket policy the module attaches (or would, with manage_bucket_policy = false), to merge into an adopted bucket's own policy."
  value       = data.aws_iam_policy_document.bucket.json
}

output "personalize_role_arn" {
  description = "Role Personalize assumes to read the bucket (the personalize module's role_arn)."
  value       = aws_iam_role.personalize.arn

  # Import jobs fail if they start before the role may read the bucket.
  depends_on = [aws_iam_role_policy.personalize, aws_s3_bucket_policy.data]
}

output "training_prefix" {
  description = "Key prefix for import (training) files in the bucket: the only objects Personalize's role may read."
  value       = var.training_prefix
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline (API, Lambdas, ingest lag, archive freshness, dead letters)."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "kms_key_arn" {
  description = "KMS key encrypting the bucket, stream, archive, queue, logs and Lambda environments."
  value       = local.kms_key_arn
}

output "stream_name" {
  description = "Name of the Kinesis stream the collect Lambda writes."
  value       = aws_kinesis_stream.events.name
}

output "stream_arn" {
  description = "ARN of the Kinesis stream."
  value       = aws_kinesis_stream.events.arn
}

output "firehose_arn" {
  description = "ARN of the Firehose delivery stream archiving events to the bucket."
  value       = aws_kinesis_firehose_delivery_stream.archive.arn
}

output "archive_prefix" {
  description = "Key prefix of the archive in the bucket (partitions year=/month=/day=/hour= below it)."
  value       = var.archive_prefix
}

output "dlq_url" {
  description = "URL of the dead-letter queue of events that cannot reach Personalize."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "function_names" {
  description = "Lambda function names by role: collect, ingest, recommend."
  value       = { for name, fn in aws_lambda_function.this : name => fn.function_name }
}

output "function_arns" {
  description = "Lambda function ARNs by role: collect, ingest, recommend."
  value       = { for name, fn in aws_lambda_function.this : name => fn.arn }
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify (null when they have no actions)."
  value       = local.alarm_topic_arn
}

output "invoke_read_policy_json" {
  description = "IAM policy allowing execute-api:Invoke on the reading (GET) routes only: for a backend that serves recommendations (api_authorization IAM)."
  value       = data.aws_iam_policy_document.invoke["read"].json
}

output "invoke_write_policy_json" {
  description = "IAM policy allowing execute-api:Invoke on the writing (POST) routes only: for a backend that records events (api_authorization IAM)."
  value       = data.aws_iam_policy_document.invoke["write"].json
}

output "user_pool_id" {
  description = "Id of the Cognito user pool the module created (COGNITO without cognito_user_pool_arn); null otherwise."
  value       = try(aws_cognito_user_pool.users[0].id, null)
}

output "user_pool_client_id" {
  description = "App client id of that user pool (the aud of its ID tokens); null otherwise."
  value       = try(aws_cognito_user_pool_client.app[0].id, null)
}

output "replay_failures_url" {
  description = "Where the ingest mapping keeps the batches it gave up on, for `cargo xtask replay --failures` (null when ingest_failure_destination is sqs: that record holds no events; replay the archive over its time window instead)."
  value       = var.ingest_failure_destination == "s3" ? "s3://${local.bucket_name}/aws/lambda/" : null
}

output "replay_archive_url" {
  description = "The event archive, for `cargo xtask replay --archive` (add year=/month=/day=/hour= partitions to replay a time slice)."
  value       = "s3://${local.bucket_name}/${var.archive_prefix}"
}
