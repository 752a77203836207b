output "campaign_arn" {
  description = "The campaign the recommend function serves; null with a domain."
  value       = module.personalize.campaign_arn
}

output "tracking_id" {
  description = "The event tracker's tracking id, used by the ingest function."
  value       = module.personalize.tracking_id
}

output "recommender_arns" {
  description = "Recommenders by use case (with a domain)."
  value       = module.personalize.recommender_arns
}

output "filter_arns" {
  description = "Filters by name."
  value       = module.personalize.filter_arns
}

output "local_stack" {
  description = "Everything local-stack needs, read by `local-stack --terraform-dir examples/local`."
  value = {
    region               = var.region
    account_id           = var.account_id
    name_prefix          = var.name_prefix
    personalize_endpoint = var.personalize_endpoint
    aws_endpoint         = var.s3_endpoint
    campaign_arn         = module.personalize.campaign_arn
    recommender_arns     = module.personalize.recommender_arns
    tracking_id          = module.personalize.tracking_id
    filter_arns          = module.personalize.filter_arns
    stream_name          = local.stream_name
    bucket_name          = var.bucket_name
    archive_prefix       = "events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    dlq_name             = "${var.name_prefix}-ingest-dlq"
    # The walkthrough's calls (GET /getRecommendations, POST /data) are what the demo plays.
    enable_seed_routes = true
    cors_allow_origin  = var.cors_allow_origin
  }
}
