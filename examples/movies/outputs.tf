output "api_url" {
  description = "Base URL of the REST API (stage prod)."
  value       = module.pipeline.api_url
}

output "user_pool_id" {
  description = "The Cognito user pool whose ID tokens the API accepts (create the walkthrough's user 429 in it)."
  value       = module.pipeline.user_pool_id
}

output "user_pool_client_id" {
  description = "The pool's app client, to sign in with."
  value       = module.pipeline.user_pool_client_id
}

output "campaign_arn" {
  description = "The campaign, for the walkthrough's GET /getRecommendations?campaignArn=."
  value       = module.personalize.campaign_arn
}

output "stream_name" {
  description = "The Kinesis stream, for the stream-name field of the walkthrough's POST /data."
  value       = module.pipeline.stream_name
}

output "tracking_id" {
  description = "The event tracker's tracking id."
  value       = module.personalize.tracking_id
}

output "bucket_name" {
  description = "The data bucket (imports under import/, the event archive under events/)."
  value       = module.pipeline.bucket_name
}

output "solution_version_metrics" {
  description = "Offline metrics of the trained model."
  value       = module.personalize.solution_version_metrics
}

output "dlq_url" {
  description = "Dead-letter queue of events that could not reach Personalize."
  value       = module.pipeline.dlq_url
}

output "replay_failures_url" {
  description = "The batches the ingest mapping gave up on, for cargo xtask replay --failures."
  value       = module.pipeline.replay_failures_url
}

output "replay_archive_url" {
  description = "The event archive, for cargo xtask replay --archive."
  value       = module.pipeline.replay_archive_url
}
