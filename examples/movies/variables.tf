variable "region" {
  description = "AWS region to deploy in (one where Amazon Personalize is offered)."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every name, so several copies of the example coexist."
  type        = string
  default     = "movies"
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

variable "retrain_trigger" {
  description = "Change to train a new solution version on the same data."
  type        = string
  default     = "1"
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
