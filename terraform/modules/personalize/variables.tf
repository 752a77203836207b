variable "name_prefix" {
  description = "Prefix of every Personalize name the module creates, so several deployments coexist in one account and region."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,29}$", var.name_prefix))
    error_message = "name_prefix must be 1-30 letters, digits, '_' or '-', starting with a letter or digit (Personalize names are at most 63 characters)."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}

variable "role_arn" {
  description = "IAM role Personalize assumes to read the import data (the pipeline module's personalize_role_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.role_arn))
    error_message = "role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
  }
}

variable "kms_key_arn" {
  description = "KMS key Personalize encrypts the dataset group with; null for an AWS owned key. The role must be able to use it."
  type        = string
  default     = null
}

variable "bucket_name" {
  description = "Bucket holding the import files (the pipeline module's bucket_name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "interactions" {
  description = "Interactions import: key of the CSV in the bucket, its Avro schema (JSON), and data_version, which names the import and retrains when it changes (pass the object's ETag or version id)."
  type = object({
    key          = string
    schema       = optional(string)
    data_version = string
  })

  validation {
    condition     = length(var.interactions.key) > 0 && !startswith(var.interactions.key, "/")
    error_message = "interactions.key must be an object key without a leading '/'."
  }
  validation {
    condition     = length(var.interactions.data_version) > 0
    error_message = "interactions.data_version must not be empty: it names the import job."
  }
  validation {
    condition     = var.interactions.schema == null || can(jsondecode(var.interactions.schema).fields)
    error_message = "interactions.schema must be an Avro record schema in JSON (with fields)."
  }
}

variable "items" {
  description = "Items import (optional): key, Avro schema (JSON) and data_version, as for interactions."
  type = object({
    key          = string
    schema       = optional(string)
    data_version = string
  })
  default = null

  validation {
    condition     = var.items == null || (length(try(var.items.key, "")) > 0 && length(try(var.items.data_version, "")) > 0)
    error_message = "items needs a non-empty key and data_version."
  }
  validation {
    condition     = try(var.items.schema, null) == null || can(jsondecode(var.items.schema).fields)
    error_message = "items.schema must be an Avro record schema in JSON (with fields)."
  }
}

variable "users" {
  description = "Users import (optional): key, Avro schema (JSON, required: there is no default user schema) and data_version."
  type = object({
    key          = string
    schema       = string
    data_version = string
  })
  default = null

  validation {
    condition     = var.users == null || can(jsondecode(var.users.schema).fields)
    error_message = "users.schema must be an Avro record schema in JSON (with fields)."
  }
}

variable "domain" {
  description = "null (the default) for a custom dataset group trained into a solution and served by a campaign; VIDEO_ON_DEMAND or ECOMMERCE for a domain dataset group served by one recommender per use_cases entry (no solution, no campaign)."
  type        = string
  default     = null

  validation {
    condition     = var.domain == null ? true : contains(["VIDEO_ON_DEMAND", "ECOMMERCE"], var.domain)
    error_message = "domain must be VIDEO_ON_DEMAND or ECOMMERCE, or null for a custom dataset group."
  }
}

variable "use_cases" {
  description = "Use cases of the domain, one recommender each (output recommender_arns). VIDEO_ON_DEMAND: top-picks, because-you-watched-x, more-like-x, most-popular, trending-now. ECOMMERCE: recommended-for-you, customers-who-viewed-x-also-viewed, frequently-bought-together, popular-items-by-views, popular-items-by-purchases. Only with domain."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition = alltrue([for u in var.use_cases : contains([
      "top-picks", "because-you-watched-x", "more-like-x", "most-popular", "trending-now",
      "recommended-for-you", "customers-who-viewed-x-also-viewed", "frequently-bought-together",
      "popular-items-by-views", "popular-items-by-purchases",
    ], u)])
    error_message = "use_cases must be use case names: top-picks, because-you-watched-x, more-like-x, most-popular, trending-now (VIDEO_ON_DEMAND); recommended-for-you, customers-who-viewed-x-also-viewed, frequently-bought-together, popular-items-by-views, popular-items-by-purchases (ECOMMERCE)."
  }
  validation {
    condition     = length(distinct(var.use_cases)) == length(var.use_cases)
    error_message = "use_cases must not repeat a use case."
  }
}

variable "recipe_arn" {
  description = "Recipe of the solution. User-Personalization by default, the recipe that learns from real-time events and explores new items."
  type        = string
  default     = "arn:aws:personalize:::recipe/aws-user-personalization"

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:personalize:::recipe/[a-zA-Z0-9-]+$", var.recipe_arn))
    error_message = "recipe_arn must be a Personalize recipe ARN, e.g. arn:aws:personalize:::recipe/aws-user-personalization."
  }
}

variable "event_type" {
  description = "Train only on interactions of this EVENT_TYPE; null for all."
  type        = string
  default     = null
}

variable "event_value_threshold" {
  description = "Train only on interactions whose EVENT_VALUE is at least this (as a string); null for all."
  type        = string
  default     = null
}

variable "perform_auto_training" {
  description = "Let Personalize also train a new solution version on its own schedule (every 7 days by default), billed as any training. Off by default: the module trains through its own solution version, on each new import or retrain_trigger, and the campaign serves that version, not the automatic ones."
  type        = bool
  default     = false
  nullable    = false
}

variable "event_parameters" {
  description = "How each event type counts in training, as EVENT_TYPE => { weight (0 to 1), event_value_threshold }, e.g. { watch = { weight = 1 }, click = { weight = 0.5 } }; at most 10 types. A change updates the solution in place and trains a new version. Only v2 recipes (aws-user-personalization-v2, aws-personalized-ranking-v2) take it, and not together with event_type or event_value_threshold."
  type = map(object({
    weight                = optional(number)
    event_value_threshold = optional(number)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = length(var.event_parameters) <= 10
    error_message = "event_parameters takes at most 10 event types (the Personalize limit); got ${length(var.event_parameters)}."
  }
  validation {
    condition     = alltrue([for type, p in var.event_parameters : p == null ? false : (p.weight == null ? true : p.weight >= 0 && p.weight <= 1)])
    error_message = "Every event_parameters weight must be from 0 to 1 (and no entry null); out of range: ${join(", ", [for type, p in var.event_parameters : "${type} = ${p == null ? "null" : try(tostring(p.weight), "null")}" if p == null ? true : (p.weight == null ? false : p.weight < 0 || p.weight > 1)])}."
  }
  validation {
    condition     = alltrue([for type in keys(var.event_parameters) : length(type) >= 1 && length(type) <= 256])
    error_message = "event_parameters keys are event types: 1 to 256 characters each."
  }
}

variable "excluded_dataset_columns" {
  description = "Columns training leaves out, as dataset type (INTERACTIONS, ITEMS, USERS) => column names, e.g. { ITEMS = [\"DESCRIPTION\"] } to keep a free-text column out of the model while filters can still use it. The id columns (USER_ID, ITEM_ID, TIMESTAMP) cannot be left out. A change replaces the solution."
  type        = map(list(string))
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for type in keys(var.excluded_dataset_columns) : contains(["INTERACTIONS", "ITEMS", "USERS"], type)])
    error_message = "excluded_dataset_columns keys must be INTERACTIONS, ITEMS or USERS; unknown: ${join(", ", [for type in keys(var.excluded_dataset_columns) : type if !contains(["INTERACTIONS", "ITEMS", "USERS"], type)])}."
  }
  validation {
    condition = alltrue(flatten([
      for type, columns in var.excluded_dataset_columns : [
        for column in coalesce(columns, []) : !contains(lookup({ INTERACTIONS = ["USER_ID", "ITEM_ID", "TIMESTAMP"], ITEMS = ["ITEM_ID"], USERS = ["USER_ID"] }, type, []), upper(column))
      ]
    ]))
    error_message = "excluded_dataset_columns cannot leave out the id columns training needs (INTERACTIONS: USER_ID, ITEM_ID, TIMESTAMP; ITEMS: ITEM_ID; USERS: USER_ID); got ${join(", ", flatten([for type, columns in var.excluded_dataset_columns : [for column in coalesce(columns, []) : "${type}: ${column}" if contains(lookup({ INTERACTIONS = ["USER_ID", "ITEM_ID", "TIMESTAMP"], ITEMS = ["ITEM_ID"], USERS = ["USER_ID"] }, type, []), upper(column))]]))}."
  }
  validation {
    condition     = alltrue([for columns in values(var.excluded_dataset_columns) : try(length(columns) > 0 && alltrue([for column in columns : can(regex("^[A-Za-z_][A-Za-z0-9_]{0,149}$", column))]), false)])
    error_message = "excluded_dataset_columns values must be non-empty lists of column names (letters, digits and '_', not starting with a digit); leave a dataset type out to keep all its columns."
  }
}

variable "perform_hpo" {
  description = "Hyperparameter optimisation while training (slower, more expensive)."
  type        = bool
  default     = false
}

variable "algorithm_hyper_parameters" {
  description = "Recipe hyperparameters, e.g. { hidden_dimension = \"100\" }."
  type        = map(string)
  default     = {}
}

variable "training_mode" {
  description = "FULL retrains on all data; UPDATE only refreshes items for User-Personalization."
  type        = string
  default     = "FULL"

  validation {
    condition     = contains(["FULL", "UPDATE"], var.training_mode)
    error_message = "training_mode must be FULL or UPDATE."
  }
}

variable "retrain_trigger" {
  description = "Change this value (a date, a counter) to train a new solution version without a data change; the campaign moves to it in place."
  type        = string
  default     = "1"
}

variable "min_provisioned_tps" {
  description = "Minimum provisioned transactions per second of the campaign (billed per hour while it exists)."
  type        = number
  default     = 1

  validation {
    condition     = var.min_provisioned_tps >= 1 && floor(var.min_provisioned_tps) == var.min_provisioned_tps
    error_message = "min_provisioned_tps must be a whole number of at least 1."
  }
}

variable "item_exploration_config" {
  description = "User-Personalization exploration, e.g. { explorationWeight = \"0.3\", explorationItemAgeCutOff = \"30\" }; null for the recipe's defaults. Only for User-Personalization recipes."
  type        = map(string)
  default     = null
}

variable "ranking_influence" {
  description = "How much POPULARITY and FRESHNESS weigh in the campaign's ranking, each from 0 (none) to 1, e.g. { POPULARITY = 0.25 }; null for none. Changed in place. For User-Personalization-v2 recipes."
  type        = map(number)
  default     = null

  validation {
    condition     = var.ranking_influence == null ? true : alltrue([for factor in keys(var.ranking_influence) : contains(["POPULARITY", "FRESHNESS"], factor)])
    error_message = "ranking_influence keys must be POPULARITY or FRESHNESS; unknown: ${var.ranking_influence == null ? "" : join(", ", [for factor in keys(var.ranking_influence) : factor if !contains(["POPULARITY", "FRESHNESS"], factor)])}."
  }
  validation {
    condition     = var.ranking_influence == null ? true : alltrue([for weight in values(var.ranking_influence) : weight == null ? false : weight >= 0 && weight <= 1])
    error_message = "Every ranking_influence value must be from 0 to 1; out of range: ${var.ranking_influence == null ? "" : join(", ", [for factor, weight in var.ranking_influence : "${factor} = ${weight == null ? "null" : weight}" if weight == null ? true : weight < 0 || weight > 1])}."
  }
}

variable "filters" {
  description = "Filters to create, as name => filter expression, e.g. { comedies = \"INCLUDE ItemID WHERE Items.GENRE IN (\\\"Comedy\\\")\" }."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name, expression in var.filters : can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,30}$", name)) && length(expression) > 0 && length(expression) <= 2500])
    error_message = "Filter names must be 1-31 letters, digits, '_' or '-'; expressions 1-2500 characters."
  }
}

variable "metric_attribution" {
  description = "Optional metric attribution of the dataset group (one per group): metrics as name => { event_type, expression } (expression SAMPLECOUNT() or SUM(Interactions.COLUMN) / SUM(Items.COLUMN)), the S3 path of the reports, and the role Personalize writes them with (default: role_arn) and an optional KMS key. Null (the default): none."
  type = object({
    metrics = map(object({
      event_type = string
      expression = string
    }))
    s3_path     = string
    role_arn    = optional(string)
    kms_key_arn = optional(string)
  })
  default = null

  validation {
    condition     = var.metric_attribution == null ? true : length(var.metric_attribution.metrics) >= 1 && length(var.metric_attribution.metrics) <= 10
    error_message = "metric_attribution.metrics must hold 1 to 10 metrics (Personalize's limit)."
  }
  validation {
    condition     = var.metric_attribution == null ? true : alltrue([for m in values(var.metric_attribution.metrics) : can(regex("^(?i)(SAMPLECOUNT\\(\\)|SUM\\((INTERACTIONS|ITEMS)\\.[A-Za-z_][A-Za-z0-9_]*\\))$", m.expression))])
    error_message = "metric_attribution expressions must be SAMPLECOUNT() or SUM(Interactions.COLUMN) / SUM(Items.COLUMN)."
  }
  validation {
    condition     = var.metric_attribution == null ? true : can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.metric_attribution.s3_path))
    error_message = "metric_attribution.s3_path must be an s3://bucket/prefix path."
  }
}

variable "timeouts" {
  description = "Create timeouts of the slow resources (Terraform duration strings): import, training, campaign."
  type = object({
    import   = optional(string, "60m")
    training = optional(string, "240m")
    campaign = optional(string, "60m")
  })
  default = {}
}
