output "dataset_group_arn" {
  description = "ARN of the dataset group."
  value       = personalize_dataset_group.this.arn
}

output "schema_arns" {
  description = "Schema ARNs by dataset type (Interactions, Items, Users)."
  value       = { for type, schema in personalize_schema.this : type => schema.arn }
}

output "dataset_arns" {
  description = "Dataset ARNs by dataset type (Interactions, Items, Users)."
  value       = { for type, dataset in personalize_dataset.this : type => dataset.arn }
}

output "import_job_arns" {
  description = "ARNs of the current import jobs by dataset type."
  value       = { for type, job in personalize_dataset_import_job.this : type => job.arn }
}

output "solution_arn" {
  description = "ARN of the solution; null with a domain."
  value       = one(personalize_solution.this[*].arn)
}

output "solution_version_arn" {
  description = "ARN of the trained solution version the campaign serves; null with a domain."
  value       = one(personalize_solution_version.this[*].arn)
}

output "solution_version_metrics" {
  description = "Offline metrics of the solution version (e.g. normalized_discounted_cumulative_gain_at_10); null with a domain."
  value       = one(personalize_solution_version.this[*].metrics)
}

output "campaign_arn" {
  description = "ARN of the campaign (the pipeline module's campaign_arn); null with a domain."
  value       = one(personalize_campaign.this[*].arn)
}

output "event_tracker_arn" {
  description = "ARN of the event tracker (the pipeline module's event_tracker_arn)."
  value       = personalize_event_tracker.this.arn
}

output "tracking_id" {
  description = "Tracking id of the event tracker (the pipeline module's tracking_id)."
  value       = personalize_event_tracker.this.tracking_id
}

output "filter_arns" {
  description = "Filter ARNs by the names given in var.filters (the pipeline module's filter_arns)."
  value       = { for name, filter in personalize_filter.this : name => filter.arn }
}

output "recommender_arns" {
  description = "Recommender ARNs by use case (the pipeline module's recommender_arns); empty without a domain."
  value       = { for use_case, recommender in personalize_recommender.this : use_case => recommender.arn }
}

output "recommender_metrics" {
  description = "Offline metrics of each recommender's model by use case, as Personalize reports them; empty without a domain."
  value       = { for use_case, recommender in personalize_recommender.this : use_case => recommender.model_metrics }
}

output "metric_attribution_arn" {
  description = "ARN of the metric attribution; null without var.metric_attribution."
  value       = one(personalize_metric_attribution.this[*].arn)
}
