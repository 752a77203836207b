variable "personalize_endpoint" {
  description = "URL of personalize-local (control plane, events and runtime on one endpoint), e.g. http://127.0.0.1:41001."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/]+/?$", var.personalize_endpoint))
    error_message = "personalize_endpoint must be an http(s) URL with no path, e.g. http://127.0.0.1:41001."
  }
}

variable "s3_endpoint" {
  description = "URL of the S3 endpoint holding the data (moto), e.g. http://127.0.0.1:41002."
  type        = string

  validation {
    condition     = can(regex("^https?://[^/]+/?$", var.s3_endpoint))
    error_message = "s3_endpoint must be an http(s) URL with no path."
  }
}

variable "region" {
  description = "Region the local resources are named in."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name, as in the AWS example."
  type        = string
  default     = "movies-local"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.name_prefix))
    error_message = "name_prefix must be 1-31 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "bucket_name" {
  description = "Bucket in moto holding interactions.csv and item-meta.csv (uploaded by the demo); the archive goes there too."
  type        = string
  default     = "movies-local-data"
}

variable "data_version" {
  description = "Version of the uploaded data (the demo passes a digest of the files): a change is a new import and a retraining."
  type        = string
  default     = "1"
}

variable "account_id" {
  description = "Account id in the ARNs of the local stand-ins for the AWS resources."
  type        = string
  default     = "123456789012"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "cors_allow_origin" {
  description = "Origin browsers may call the local API from (\"*\" or scheme://host[:port]), as the pipeline module's cors_allow_origin; null for no CORS."
  type        = string
  default     = null

  validation {
    condition     = var.cors_allow_origin == null ? true : can(regex("^(\\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$", var.cors_allow_origin))
    error_message = "cors_allow_origin must be \"*\" or an origin (scheme://host[:port], no path), or null."
  }
}

variable "domain" {
  description = "null for the walkthrough's custom dataset group and campaign; VIDEO_ON_DEMAND for the domain variant (cargo xtask demo --domain), served by recommenders, on the data the demo converts and uploads under domain/."
  type        = string
  default     = null

  validation {
    condition     = var.domain == null ? true : var.domain == "VIDEO_ON_DEMAND"
    error_message = "domain must be VIDEO_ON_DEMAND (the walkthrough's data is movies) or null."
  }
}

variable "use_cases" {
  description = "Use cases of the domain variant, one recommender each; ignored without domain."
  type        = list(string)
  default     = ["top-picks", "more-like-x", "because-you-watched-x"]
}
