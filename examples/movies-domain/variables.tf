variable "region" {
  description = "AWS region to deploy in (one where Amazon Personalize is offered)."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every name, so several copies of the example coexist."
  type        = string
  default     = "movies-vod"
}

variable "data_dir" {
  description = "Directory of the domain's interactions.csv and items.csv, written by `cargo xtask movies-domain-data`."
  type        = string
  default     = "../../target/movies-domain-data"
}

variable "use_cases" {
  description = "VIDEO_ON_DEMAND use cases, one recommender each: top-picks serves GET /recommendations, more-like-x and because-you-watched-x the item-to-item routes."
  type        = list(string)
  default     = ["top-picks", "more-like-x", "because-you-watched-x"]
}

variable "lambda_dist_dir" {
  description = "Directory of the Lambda zips built by `cargo xtask dist-lambdas`."
  type        = string
  default     = "../../target/dist/lambda"
}

variable "lambda_architecture" {
  description = "Lambda architecture (arm64 or x86_64); `cargo xtask dist-lambdas` builds both."
  type        = string
  default     = "arm64"
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic; null for no subscription."
  type        = string
  default     = null
}

variable "manage_api_gateway_account" {
  description = "Set the region's API Gateway CloudWatch role (needed once per account and region for API logs); false where it is already set."
  type        = bool
  default     = false
}
