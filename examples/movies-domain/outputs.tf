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

output "recommender_arns" {
  description = "The recommenders by use case."
  value       = module.personalize.recommender_arns
}

output "recommender_metrics" {
  description = "Offline metrics of each recommender's model."
  value       = module.personalize.recommender_metrics
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
  description = "The data bucket (imports under import/domain/, the event archive under events/)."
  value       = module.pipeline.bucket_name
}

output "dlq_url" {
  description = "Dead-letter queue of events that could not reach Personalize."
  value       = module.pipeline.dlq_url
}
