variable "name_prefix" {
  description = "Prefix of every name the module creates, so several deployments coexist in one account and region."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,23}$", var.name_prefix))
    error_message = "name_prefix must be 2-24 characters of lowercase letters, digits and hyphens, starting with a letter (it ends up in S3 bucket and IAM role names)."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

# --- Personalize resources the Lambdas use (outputs of the personalize module) ---

variable "campaign_arn" {
  description = "ARN of the campaign the recommend Lambda queries for GET /recommendations and GET /getRecommendations (the personalize module's campaign_arn); null for a deployment serving from recommenders only (recommender_arns)."
  type        = string
  default     = null

  validation {
    condition     = var.campaign_arn == null ? true : can(regex("^arn:aws[a-z-]*:personalize:[a-z0-9-]+:[0-9]{12}:campaign/[A-Za-z0-9][A-Za-z0-9_-]*$", var.campaign_arn))
    error_message = "campaign_arn must be a Personalize campaign ARN (arn:aws:personalize:<region>:<account>:campaign/<name>), or null."
  }
}

variable "recommender_arns" {
  description = "Recommender ARNs by use case (the personalize module's recommender_arns): top-picks or recommended-for-you serve GET /recommendations when campaign_arn is null; more-like-x, because-you-watched-x, customers-who-viewed-x-also-viewed and frequently-bought-together serve the item-to-item routes."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([for use_case in keys(var.recommender_arns) : contains([
      "top-picks", "because-you-watched-x", "more-like-x", "most-popular", "trending-now",
      "recommended-for-you", "customers-who-viewed-x-also-viewed", "frequently-bought-together",
      "popular-items-by-views", "popular-items-by-purchases",
    ], use_case)])
    error_message = "recommender_arns keys must be use cases of the personalize module's use_cases (top-picks, because-you-watched-x, more-like-x, most-popular, trending-now, recommended-for-you, customers-who-viewed-x-also-viewed, frequently-bought-together, popular-items-by-views, popular-items-by-purchases)."
  }

  validation {
    condition     = alltrue([for arn in values(var.recommender_arns) : can(regex("^arn:aws[a-z-]*:personalize:[a-z0-9-]+:[0-9]{12}:recommender/[A-Za-z0-9][A-Za-z0-9_-]*$", arn))])
    error_message = "Every recommender_arns value must be a Personalize recommender ARN (arn:aws:personalize:<region>:<account>:recommender/<name>)."
  }

  validation {
    condition     = length(setintersection(keys(var.recommender_arns), ["top-picks", "recommended-for-you"])) <= 1
    error_message = "recommender_arns may hold top-picks (VIDEO_ON_DEMAND) or recommended-for-you (ECOMMERCE), not both: both would serve GET /recommendations."
  }
}

variable "event_tracker_arn" {
  description = "ARN of the event tracker the ingest Lambda writes through (the personalize module's event_tracker_arn); its IAM policy names exactly this ARN."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:personalize:[a-z0-9-]+:[0-9]{12}:event-tracker/[A-Za-z0-9-]+$", var.event_tracker_arn))
    error_message = "event_tracker_arn must be a Personalize event tracker ARN (arn:aws:personalize:<region>:<account>:event-tracker/<id>)."
  }
}

variable "tracking_id" {
  description = "Tracking id of that event tracker (the personalize module's tracking_id)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,256}$", var.tracking_id))
    error_message = "tracking_id must be the event tracker's tracking id (letters, digits and hyphens)."
  }
}

variable "filter_arns" {
  description = "Filters callers may name in GET /recommendations?filter=, as filter name => filter ARN (the personalize module's filter_arns)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for arn in values(var.filter_arns) : can(regex("^arn:aws[a-z-]*:personalize:[a-z0-9-]+:[0-9]{12}:filter/", arn))])
    error_message = "Every filter_arns value must be a Personalize filter ARN."
  }
}

# --- Data bucket ---

variable "create_bucket" {
  description = "Create the data bucket (true) or adopt the existing bucket named by bucket_name (false)."
  type        = bool
  default     = true
}

variable "bucket_name" {
  description = "Name of the data bucket. Required when create_bucket is false; when creating, defaults to <name_prefix>-data-<account id>."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "force_destroy_bucket" {
  description = "Let terraform destroy delete a created data bucket that still holds objects (every version). For examples and test deployments; keep false where the data matters."
  type        = bool
  default     = false
}

variable "manage_bucket_policy" {
  description = "Attach the bucket policy (TLS only, Personalize may read). For an adopted bucket this replaces its policy: set false and merge the bucket_policy_json output into your own instead."
  type        = bool
  default     = true
}

variable "access_log_bucket" {
  description = "Bucket receiving the data bucket's S3 server access logs (under <name_prefix>/); null to leave access logging off."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the bucket, stream, Firehose, queue, logs and Lambda environments; null to create one (with rotation)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

# --- Stream and archive ---

variable "stream_mode" {
  description = "Kinesis capacity mode: ON_DEMAND (no shards to size) or PROVISIONED (shard_count shards)."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.stream_mode)
    error_message = "stream_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "shard_count" {
  description = "Shards of a PROVISIONED stream (ignored when ON_DEMAND)."
  type        = number
  default     = 1

  validation {
    condition     = var.shard_count >= 1 && floor(var.shard_count) == var.shard_count
    error_message = "shard_count must be a whole number of at least 1."
  }
}

variable "stream_retention_hours" {
  description = "How long Kinesis keeps records (24-8760 hours): how long the ingest mapping keeps retrying a Personalize outage before the records go to the on-failure destination."
  type        = number
  default     = 168

  validation {
    condition     = var.stream_retention_hours >= 24 && var.stream_retention_hours <= 8760
    error_message = "stream_retention_hours must be between 24 and 8760."
  }
}

variable "archive_prefix" {
  description = "Key prefix of the Firehose archive in the data bucket; Firehose adds year=/month=/day=/hour= partitions."
  type        = string
  default     = "events/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]*/$", var.archive_prefix))
    error_message = "archive_prefix must be a non-empty S3 key prefix ending in '/'."
  }
}

variable "archive_expiration_days" {
  description = "Days after which archived events (and delivery errors) are deleted from the bucket; null keeps them forever. Applies to a created bucket (create_bucket = true)."
  type        = number
  default     = 365

  validation {
    condition     = var.archive_expiration_days == null ? true : var.archive_expiration_days >= 1 && floor(var.archive_expiration_days) == var.archive_expiration_days
    error_message = "archive_expiration_days must be a whole number of days >= 1, or null."
  }
}

variable "training_prefix" {
  description = "Key prefix of the import (training) files in the data bucket: the only objects Personalize's role may read. Must not overlap archive_prefix."
  type        = string
  default     = "import/"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]*/$", var.training_prefix))
    error_message = "training_prefix must be a non-empty S3 key prefix ending in '/'."
  }
}

variable "archive_buffering_seconds" {
  description = "Firehose buffering interval (60-900 s): how late an event may reach the archive."
  type        = number
  default     = 300

  validation {
    condition     = var.archive_buffering_seconds >= 60 && var.archive_buffering_seconds <= 900
    error_message = "archive_buffering_seconds must be between 60 and 900."
  }
}

variable "archive_buffering_mb" {
  description = "Firehose buffering size (1-128 MiB)."
  type        = number
  default     = 64

  validation {
    condition     = var.archive_buffering_mb >= 1 && var.archive_buffering_mb <= 128
    error_message = "archive_buffering_mb must be between 1 and 128."
  }
}

# --- Lambdas ---

variable "lambda_dist_dir" {
  description = "Directory holding the Lambda zips <collect|ingest|recommend>-<architecture>.zip of a release (or `cargo xtask dist-lambdas`); each is pinned by its filebase64sha256. Null when every function has an entry in lambda_packages."
  type        = string
  default     = null
}

variable "lambda_packages" {
  description = "Prebuilt deployment package per function (collect, ingest, recommend), overriding lambda_dist_dir: a local zip (filename; source_code_hash defaults to its filebase64sha256) or an S3 object of a release (s3_bucket, s3_key, optional s3_object_version, and source_code_hash required: the release's <zip>.base64sha256)."
  type = map(object({
    filename          = optional(string)
    s3_bucket         = optional(string)
    s3_key            = optional(string)
    s3_object_version = optional(string)
    source_code_hash  = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for name in keys(var.lambda_packages) : contains(["collect", "ingest", "recommend"], name)])
    error_message = "lambda_packages keys must be collect, ingest or recommend."
  }

  validation {
    condition = alltrue([for p in values(var.lambda_packages) :
      (p.filename != null) != (p.s3_bucket != null || p.s3_key != null || p.s3_object_version != null)
    ])
    error_message = "Each lambda_packages entry needs either filename or s3_bucket and s3_key, not both."
  }

  validation {
    condition = alltrue([for p in values(var.lambda_packages) :
      p.filename != null || (p.s3_bucket != null && p.s3_key != null && p.source_code_hash != null)
    ])
    error_message = "An S3 lambda_packages entry needs s3_bucket, s3_key and source_code_hash (the release's <zip>.base64sha256)."
  }

  validation {
    condition = alltrue([for p in values(var.lambda_packages) :
      p.source_code_hash == null || can(regex("^[A-Za-z0-9+/]{43}=$", coalesce(p.source_code_hash, "-")))
    ])
    error_message = "source_code_hash must be the base64 SHA-256 of the zip (44 characters, as filebase64sha256 and the release's .base64sha256 files give it)."
  }

  validation {
    condition = alltrue([for p in values(var.lambda_packages) :
      (p.s3_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(p.s3_bucket, "-")))) &&
      (p.s3_key == null || (length(coalesce(p.s3_key, "-")) <= 1024 && !startswith(coalesce(p.s3_key, "-"), "/")))
    ])
    error_message = "lambda_packages s3_bucket must be a valid S3 bucket name and s3_key an object key without a leading '/'."
  }
}

variable "lambda_architecture" {
  description = "Lambda architecture: arm64 (cheaper per GB-second) or x86_64; selects the zips too."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of each Lambda (128-10240 MB); CPU scales with it."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the collect and recommend Lambdas (1-29 s: API Gateway stops waiting after 29 s); ingest has its own, ingest_timeout_seconds."
  type        = number
  default     = 15

  validation {
    condition     = var.lambda_timeout_seconds >= 1 && var.lambda_timeout_seconds <= 29
    error_message = "lambda_timeout_seconds must be between 1 and 29."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of each Lambda, a cap that protects the account's pool and Personalize's TPS."
  type = object({
    collect   = number
    ingest    = number
    recommend = number
  })
  default = {
    collect   = 50
    ingest    = 10
    recommend = 50
  }

  validation {
    condition     = alltrue([for n in values(var.reserved_concurrency) : n >= 1])
    error_message = "Every reserved_concurrency value must be at least 1."
  }
}

variable "put_events_concurrency" {
  description = "Concurrent Personalize PutEvents calls of one ingest invocation (PUT_EVENTS_CONCURRENCY)."
  type        = number
  default     = 4

  validation {
    condition     = var.put_events_concurrency >= 1 && var.put_events_concurrency <= 64
    error_message = "put_events_concurrency must be between 1 and 64."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group the module creates."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

# --- Kinesis to ingest ---

variable "ingest_batch_size" {
  description = "Records per ingest invocation (1-10000)."
  type        = number
  default     = 100

  validation {
    condition     = var.ingest_batch_size >= 1 && var.ingest_batch_size <= 10000
    error_message = "ingest_batch_size must be between 1 and 10000."
  }
}

variable "ingest_batching_window_seconds" {
  description = "How long the event source mapping gathers records before invoking (0-300 s)."
  type        = number
  default     = 1

  validation {
    condition     = var.ingest_batching_window_seconds >= 0 && var.ingest_batching_window_seconds <= 300
    error_message = "ingest_batching_window_seconds must be between 0 and 300."
  }
}

variable "ingest_max_retries" {
  description = "Retries of a failing batch (after bisecting) before its records go to the on-failure destination: -1 (default) retries until the records reach ingest_max_record_age_seconds, so no outage shorter than the stream's retention loses an event (-1 or 0-10000)."
  type        = number
  default     = -1

  validation {
    condition     = var.ingest_max_retries >= -1 && var.ingest_max_retries <= 10000 && floor(var.ingest_max_retries) == var.ingest_max_retries
    error_message = "ingest_max_retries must be -1 (until the records expire) or a whole number between 0 and 10000."
  }
}

variable "ingest_max_record_age_seconds" {
  description = "Records older than this go to the on-failure destination instead of Personalize (-1 or 60-604800 s). Default null: the stream's retention less one hour (at most Lambda's 604800), so records are retried until they approach the end of the retention and are written out before Kinesis trims them. -1 leaves only the retention, and records it trims are lost."
  type        = number
  default     = null

  validation {
    condition     = var.ingest_max_record_age_seconds == null || try(var.ingest_max_record_age_seconds == -1 || (var.ingest_max_record_age_seconds >= 60 && var.ingest_max_record_age_seconds <= 604800), false)
    error_message = "ingest_max_record_age_seconds must be null, -1 or between 60 and 604800."
  }
}

variable "ingest_failure_destination" {
  description = "Where the event source mapping sends the batches it gives up on: s3 (default; the data bucket under aws/lambda/, the invocation record with every record's data, so the records outlive the stream) or sqs (the dead-letter queue; Lambda sends only metadata there, so the records must be read from the stream within its retention)."
  type        = string
  default     = "s3"

  validation {
    condition     = contains(["s3", "sqs"], var.ingest_failure_destination)
    error_message = "ingest_failure_destination must be s3 or sqs."
  }
}

variable "ingest_timeout_seconds" {
  description = "Timeout of the ingest Lambda (10-900 s). It is not behind API Gateway, so it is not bound by the 29 s of lambda_timeout_seconds; the handler starts no PutEvents call that could end past it and hands the rest of the batch back to Kinesis."
  type        = number
  default     = 120

  validation {
    condition     = var.ingest_timeout_seconds >= 10 && var.ingest_timeout_seconds <= 900
    error_message = "ingest_timeout_seconds must be between 10 and 900."
  }
}

# --- REST API ---

variable "api_authorization" {
  description = "Who may call, and for whom: COGNITO (an ID token of the Cognito user pool; each request acts for the token's user only), JWT (a token your Lambda authorizer verifies; likewise bound to its user) or IAM (SigV4: a backend acting for many users, with separate read and write policies)."
  type        = string
  default     = "COGNITO"

  validation {
    condition     = contains(["COGNITO", "JWT", "IAM"], var.api_authorization)
    error_message = "api_authorization must be COGNITO, JWT or IAM (API keys only meter usage: see api_key_required)."
  }
}

variable "cognito_user_pool_arn" {
  description = "Cognito user pool whose ID tokens the API accepts (COGNITO); null to create one with an app client (outputs user_pool_id, user_pool_client_id)."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_user_pool_arn == null || can(regex("^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/.+$", var.cognito_user_pool_arn))
    error_message = "cognito_user_pool_arn must be a Cognito user pool ARN (arn:<partition>:cognito-idp:<region>:<account>:userpool/<id>)."
  }
}

variable "jwt_authorizer_function_arn" {
  description = "ARN of your Lambda authorizer (TOKEN type) that verifies JWTs, for api_authorization = JWT; it must return the user id in its context under user_id_claim."
  type        = string
  default     = null

  validation {
    condition     = var.jwt_authorizer_function_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:.+$", var.jwt_authorizer_function_arn))
    error_message = "jwt_authorizer_function_arn must be a Lambda function ARN."
  }
}

variable "user_id_claim" {
  description = "Claim of the caller's token (or key of the Lambda authorizer's context) holding the Personalize user id (COGNITO, JWT)."
  type        = string
  default     = "sub"

  validation {
    condition     = length(var.user_id_claim) >= 1 && length(var.user_id_claim) <= 128
    error_message = "user_id_claim must be 1 to 128 characters."
  }
}

variable "api_key_required" {
  description = "Also require an API key (x-api-key) with a usage plan, for usage metering only: a key never identifies a caller (API Gateway's guidance); the authorization above does."
  type        = bool
  default     = false
}

variable "enable_seed_routes" {
  description = "Serve the original walkthrough's routes (GET /getRecommendations, POST /data), each under its own low throttle in route_throttles."
  type        = bool
  default     = false
}

variable "seed_max_interactions" {
  description = "Most events one POST /data may generate (SEED_MAX_INTERACTIONS, 1-1000); with the route_throttles rate of POST /data it bounds /data's PutEvents calls per second to rate x interactions / 10."
  type        = number
  default     = 100

  validation {
    condition     = var.seed_max_interactions >= 1 && var.seed_max_interactions <= 1000 && floor(var.seed_max_interactions) == var.seed_max_interactions
    error_message = "seed_max_interactions must be a whole number from 1 to 1000."
  }
}

variable "partition_key_salt" {
  description = "Key of the HMAC that turns a user id into its Kinesis partition key (PARTITION_KEY_SALT); null for the stream's ARN. Set a secret to keep the user-to-shard mapping unpredictable."
  type        = string
  default     = null
  sensitive   = true
}

variable "cors_allow_origin" {
  description = "Origin browsers may call the API from, such as https://shop.example.com, or * for any; null for no CORS. Adds an unauthenticated OPTIONS preflight (mock integration) to every path, the origin to API Gateway's error responses, and CORS_ALLOW_ORIGIN to collect and recommend, which send Access-Control-Allow-Origin to that origin only."
  type        = string
  default     = null

  validation {
    condition     = var.cors_allow_origin == null ? true : can(regex("^(\\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$", var.cors_allow_origin))
    error_message = "cors_allow_origin must be \"*\" or an origin (scheme://host[:port], no path), or null."
  }
}

variable "openapi_path" {
  description = "OpenAPI document the REST API is built from; null for the project's api/openapi.yaml."
  type        = string
  default     = null
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second of the stage (and of the API key's usage plan)."
  type        = number
  default     = 50

  validation {
    condition     = var.throttle_rate_limit > 0
    error_message = "throttle_rate_limit must be positive."
  }
}

variable "throttle_burst_limit" {
  description = "Burst requests of the stage (and of the API key's usage plan)."
  type        = number
  default     = 100

  validation {
    condition     = var.throttle_burst_limit >= 1 && floor(var.throttle_burst_limit) == var.throttle_burst_limit
    error_message = "throttle_burst_limit must be a whole number of at least 1."
  }
}

variable "api_quota_per_day" {
  description = "Requests per day of the API key's usage plan (api_key_required only; keys meter usage). The one key is shared by every caller, so one caller could exhaust a quota for all: null (no quota) unless each client has its own key."
  type        = number
  default     = null

  validation {
    condition     = var.api_quota_per_day == null ? true : var.api_quota_per_day >= 1 && floor(var.api_quota_per_day) == var.api_quota_per_day
    error_message = "api_quota_per_day must be a whole number of at least 1, or null."
  }
}

variable "route_throttles" {
  description = "Per-method throttles below the stage's, keyed \"METHOD /path\" as in the routes output; a route missing from the API is ignored. POST /data turns one request into many events, so it gets a much lower limit."
  type = map(object({
    rate_limit  = number
    burst_limit = number
  }))
  default = {
    "POST /data"              = { rate_limit = 5, burst_limit = 10 }
    "GET /getRecommendations" = { rate_limit = 5, burst_limit = 10 }
  }

  validation {
    condition     = alltrue([for key, t in var.route_throttles : can(regex("^(GET|POST|PUT|PATCH|DELETE) /[A-Za-z0-9/_-]*$", key)) && t.rate_limit > 0 && t.burst_limit >= 1 && floor(t.burst_limit) == t.burst_limit])
    error_message = "Every route_throttles key must be \"METHOD /path\" (e.g. \"POST /data\"), with rate_limit > 0 and a whole burst_limit of at least 1."
  }
}

variable "execution_logging_level" {
  description = "API Gateway execution logging: OFF, ERROR or INFO. Anything but OFF needs the region's API Gateway CloudWatch role (see manage_api_gateway_account). Access logs are always on."
  type        = string
  default     = "OFF"

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.execution_logging_level)
    error_message = "execution_logging_level must be OFF, ERROR or INFO."
  }
}

variable "manage_api_gateway_account" {
  description = "Create the CloudWatch role API Gateway needs for any logging and set it in the region's API Gateway account settings (aws_api_gateway_account). An account-wide setting: enable it only where no other stack owns it."
  type        = bool
  default     = false
}

variable "create_web_acl" {
  description = "Create the API's own WAF web ACL (waf.tf: a max_body_kb body limit answering 413 JSON, and the waf_rate_limit rule) and associate it with the stage; ignored when web_acl_arn is set."
  type        = bool
  default     = true
}

variable "max_body_kb" {
  description = "Largest request body the web ACL lets through, in KB (1-64: WAF inspects at most 64 KB of an API Gateway body); larger ones get 413 with a JSON message."
  type        = number
  default     = 64

  validation {
    condition     = var.max_body_kb >= 1 && var.max_body_kb <= 64 && floor(var.max_body_kb) == var.max_body_kb
    error_message = "max_body_kb must be a whole number between 1 and 64."
  }
}

variable "waf_rate_limit" {
  description = "Requests one client address may make in 5 minutes before the web ACL answers 429 (a WAF rate-based rule, 10-2000000000); null for no such rule."
  type        = number
  default     = 3000

  validation {
    condition     = var.waf_rate_limit == null ? true : var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000 && floor(var.waf_rate_limit) == var.waf_rate_limit
    error_message = "waf_rate_limit must be a whole number between 10 and 2000000000, or null."
  }
}

variable "web_acl_arn" {
  description = "WAFv2 web ACL (REGIONAL scope) to associate with the stage instead of the module's own (create_web_acl); null to use that one."
  type        = string
  default     = null
}

# --- Alarms ---

variable "alarm_topic_arn" {
  description = "SNS topic that receives the alarms; null with create_alarm_topic = false for alarms without actions."
  type        = string
  default     = null
}

variable "create_alarm_topic" {
  description = "Create an encrypted SNS topic for the alarms (output alarm_topic_arn; subscribe to it, or list alarm_emails); ignored when alarm_topic_arn is set."
  type        = bool
  default     = true
}

variable "alarm_emails" {
  description = "Email addresses subscribed to the created alarm topic (each confirms by email); ignored when alarm_topic_arn is set."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for email in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "Every alarm_emails entry must be an email address (name@domain.tld)."
  }
}

variable "api_5xx_alarm_count" {
  description = "Alarm when the API answers more than this many 5xx responses in 5 minutes."
  type        = number
  default     = 0

  validation {
    condition     = var.api_5xx_alarm_count >= 0 && floor(var.api_5xx_alarm_count) == var.api_5xx_alarm_count
    error_message = "api_5xx_alarm_count must be a whole number >= 0."
  }
}

variable "archive_freshness_alarm_seconds" {
  description = "Alarm when the oldest event Firehose has not yet delivered to S3 is older than this (DeliveryToS3.DataFreshness); keep it above archive_buffering_seconds."
  type        = number
  default     = 900

  validation {
    condition     = var.archive_freshness_alarm_seconds >= 60
    error_message = "archive_freshness_alarm_seconds must be at least 60."
  }
}

variable "iterator_age_alarm_ms" {
  description = "Alarm when the ingest Lambda lags the stream by more than this many milliseconds."
  type        = number
  default     = 60000

  validation {
    condition     = var.iterator_age_alarm_ms >= 1000
    error_message = "iterator_age_alarm_ms must be at least 1000."
  }
}
