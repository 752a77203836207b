output "api_url" {
  description = "Base URL of the REST API (stage prod)."
  value       = module.pipeline.api_url
}

output "api_key" {
  description = "API key to send as x-api-key (`terraform output -raw api_key`)."
  value       = module.pipeline.api_key
  sensitive   = true
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
