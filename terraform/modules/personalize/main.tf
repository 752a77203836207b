locals {
  custom = var.domain == null

  # Use case short names => recipe, by domain (developer guide, "VIDEO_ON_DEMAND use cases" and
  # "ECOMMERCE use cases"; the recipe ARN is arn:aws:personalize:::recipe/<recipe>).
  use_case_recipes = {
    VIDEO_ON_DEMAND = {
      "top-picks"             = "aws-vod-top-picks"
      "because-you-watched-x" = "aws-vod-because-you-watched-x"
      "more-like-x"           = "aws-vod-more-like-x"
      "most-popular"          = "aws-vod-most-popular"
      "trending-now"          = "aws-vod-trending-now"
    }
    ECOMMERCE = {
      "recommended-for-you"                = "aws-ecomm-recommended-for-you"
      "customers-who-viewed-x-also-viewed" = "aws-ecomm-customers-who-viewed-x-also-viewed"
      "frequently-bought-together"         = "aws-ecomm-frequently-bought-together"
      "popular-items-by-views"             = "aws-ecomm-popular-items-by-views"
      "popular-items-by-purchases"         = "aws-ecomm-popular-items-by-purchases"
    }
  }
  domain_use_cases = local.custom ? {} : local.use_case_recipes[var.domain]
  # The use cases given that are not the domain's (the precondition names them).
  foreign_use_cases = [for u in var.use_cases : u if !contains(keys(local.domain_use_cases), u)]

  # The domains' default layouts ("VIDEO_ON_DEMAND datasets and schemas", "ECOMMERCE datasets
  # and schemas"): the required fields of each dataset type, as examples/movies-domain's data
  # holds them. Users has no default (one metadata field of the caller's choice is required).
  domain_schemas = {
    VIDEO_ON_DEMAND = {
      items = jsonencode({
        type      = "record"
        name      = "Items"
        namespace = "com.amazonaws.personalize.schema"
        fields = [
          { name = "ITEM_ID", type = "string" },
          { name = "GENRES", type = "string", categorical = true },
          { name = "CREATION_TIMESTAMP", type = "long" },
        ]
        version = "1.0"
      })
    }
    ECOMMERCE = {
      items = jsonencode({
        type      = "record"
        name      = "Items"
        namespace = "com.amazonaws.personalize.schema"
        fields = [
          { name = "ITEM_ID", type = "string" },
          { name = "PRICE", type = "float" },
          { name = "CATEGORY_L1", type = "string", categorical = true },
          { name = "CREATION_TIMESTAMP", type = "long" },
        ]
        version = "1.0"
      })
    }
  }

  # The walkthrough's CSV layouts: interactions.csv and item-meta.csv.
  default_schemas = local.custom ? local.custom_schemas : merge(local.custom_schemas, local.domain_schemas[var.domain])
  custom_schemas = {
    interactions = jsonencode({
      type      = "record"
      name      = "Interactions"
      namespace = "com.amazonaws.personalize.schema"
      fields = [
        { name = "USER_ID", type = "string" },
        { name = "ITEM_ID", type = "string" },
        { name = "TIMESTAMP", type = "long" },
        { name = "EVENT_TYPE", type = "string" },
      ]
      version = "1.0"
    })
    items = jsonencode({
      type      = "record"
      name      = "Items"
      namespace = "com.amazonaws.personalize.schema"
      fields = [
        { name = "ITEM_ID", type = "string" },
        { name = "GENRE", type = ["null", "string"], categorical = true },
        # Categorical, not int: the data holds ranges such as "2006–2007".
        { name = "YEAR", type = ["null", "string"], categorical = true },
      ]
      version = "1.0"
    })
  }

  # Dataset type as Personalize spells it => the caller's import (null when not imported).
  imports = {
    for type, spec in {
      Interactions = var.interactions
      Items        = var.items
      Users        = var.users
    } : type => spec if spec != null
  }

  schemas = {
    for type, spec in local.imports : type => coalesce(spec.schema, try(local.default_schemas[lower(type)], null))
  }

  # What replaces the dataset group (a KMS key, and the role that uses it), hashed into the
  # names that must differ between the old chain and the new one built beside it (the import
  # jobs' create_before_destroy extends to the group): the group's, the import jobs' and the
  # solution's. Empty without a key, so unencrypted deployments keep their names.
  group_generation = var.kms_key_arn == null ? "" : "-${substr(sha256(jsonencode({
    kms_key_arn = var.kms_key_arn
    role_arn    = var.role_arn
  })), 0, 8)}"

  # The settings that replace the solution, hashed into its name. The solution version's
  # create_before_destroy extends to the solution, so a replacement creates the new solution
  # while the old one still exists: with one fixed name, Personalize would refuse it. Settings
  # UpdateSolution changes in place (perform_auto_training, event_parameters) stay out.
  solution_generation = substr(sha256(jsonencode(merge({
    recipe_arn                 = var.recipe_arn
    event_type                 = var.event_type
    perform_hpo                = var.perform_hpo
    event_value_threshold      = var.event_value_threshold
    algorithm_hyper_parameters = var.algorithm_hyper_parameters
    excluded_dataset_columns   = var.excluded_dataset_columns
  }, local.group_generation == "" ? {} : { group = local.group_generation }))), 0, 8)

  solution_config_set = anytrue([
    var.event_value_threshold != null,
    length(var.algorithm_hyper_parameters) > 0,
    length(var.event_parameters) > 0,
    length(var.excluded_dataset_columns) > 0,
  ])

  # An empty map is no influence: sent as such it would read back as none, a difference.
  ranking_influence = try(length(var.ranking_influence), 0) == 0 ? null : var.ranking_influence
}

resource "personalize_dataset_group" "this" {
  name        = "${var.name_prefix}-dataset-group${local.group_generation}"
  domain      = var.domain
  role_arn    = var.kms_key_arn == null ? null : var.role_arn
  kms_key_arn = var.kms_key_arn
  tags        = var.tags

  lifecycle {
    # Checked at plan time: on AWS the recommenders come after the imports and training.
    precondition {
      condition     = local.custom ? length(var.use_cases) == 0 : length(var.use_cases) > 0
      error_message = local.custom ? "use_cases needs a domain (VIDEO_ON_DEMAND or ECOMMERCE): a custom dataset group is served by its campaign." : "a ${var.domain} dataset group needs at least one use case in use_cases: ${join(", ", keys(local.domain_use_cases))}."
    }
    precondition {
      condition     = length(local.foreign_use_cases) == 0
      error_message = "use_cases ${join(", ", local.foreign_use_cases)} not of the ${coalesce(var.domain, "custom")} domain; its use cases are ${local.custom ? "none" : join(", ", keys(local.domain_use_cases))}."
    }
  }
}

resource "personalize_schema" "this" {
  for_each = local.schemas

  # A changed schema is a new schema (Personalize cannot edit one) that the dataset then
  # takes in place; the import jobs' create_before_destroy extends to it, so the new one is
  # created while the old one still exists, and the two need different names.
  name   = "${var.name_prefix}-${lower(each.key)}-${substr(sha256(each.value), 0, 8)}"
  schema = each.value
  domain = var.domain
}

resource "personalize_dataset" "this" {
  for_each = local.schemas

  name              = "${var.name_prefix}-${lower(each.key)}"
  dataset_group_arn = personalize_dataset_group.this.arn
  dataset_type      = each.key
  schema_arn        = personalize_schema.this[each.key].arn
  tags              = var.tags
}

# Import jobs cannot be changed or deleted: a new data_version names (and so creates) a new
# job, and the old one is forgotten only once the new one has succeeded.
resource "personalize_dataset_import_job" "this" {
  for_each = local.imports

  job_name      = "${var.name_prefix}-${lower(each.key)}-${substr(sha256("${each.value.data_version}${local.group_generation}"), 0, 12)}"
  dataset_arn   = personalize_dataset.this[each.key].arn
  data_location = "s3://${var.bucket_name}/${each.value.key}"
  role_arn      = var.role_arn
  import_mode   = "FULL"
  tags          = var.tags

  timeouts {
    create = var.timeouts.import
  }

  lifecycle {
    create_before_destroy = true
  }
}

# A custom dataset group only: a domain one is served by its recommenders.
resource "personalize_solution" "this" {
  count = local.custom ? 1 : 0

  name                  = "${var.name_prefix}-solution-${local.solution_generation}"
  dataset_group_arn     = personalize_dataset_group.this.arn
  recipe_arn            = var.recipe_arn
  event_type            = var.event_type
  perform_hpo           = var.perform_hpo
  perform_auto_training = var.perform_auto_training
  tags                  = var.tags

  # Only when something is set: an empty block would still be a (replacing) difference.
  dynamic "solution_config" {
    for_each = local.solution_config_set ? [1] : []
    content {
      event_value_threshold      = var.event_value_threshold
      algorithm_hyper_parameters = length(var.algorithm_hyper_parameters) == 0 ? null : var.algorithm_hyper_parameters

      # One block per event type, in the map's (sorted) order, so plans are stable.
      dynamic "events_config" {
        for_each = length(var.event_parameters) == 0 ? [] : [1]
        content {
          dynamic "event_parameters" {
            for_each = var.event_parameters
            content {
              event_type            = event_parameters.key
              weight                = event_parameters.value.weight
              event_value_threshold = event_parameters.value.event_value_threshold
            }
          }
        }
      }

      dynamic "training_data_config" {
        for_each = length(var.excluded_dataset_columns) == 0 ? [] : [1]
        content {
          excluded_dataset_columns = var.excluded_dataset_columns
        }
      }
    }
  }

  lifecycle {
    # Checked at plan time: on AWS the solution is created only after the imports, so a
    # refused CreateSolution would come late.
    precondition {
      condition     = length(var.event_parameters) == 0 || can(regex("recipe/aws-(user-personalization|personalized-ranking)-v2$", var.recipe_arn))
      error_message = "event_parameters needs a v2 recipe (aws-user-personalization-v2 or aws-personalized-ranking-v2), the only ones Personalize weighs event types for; recipe_arn is ${var.recipe_arn}."
    }
    precondition {
      condition     = length(var.event_parameters) == 0 || (var.event_type == null && var.event_value_threshold == null)
      error_message = "event_parameters replaces event_type and event_value_threshold: list the event types in event_parameters (each with its own event_value_threshold) and leave those two null."
    }
  }

  # Training reads the datasets: they must hold data first.
  depends_on = [personalize_dataset_import_job.this]
}

# A new version trains whenever an import (so the data), the retrain trigger or the event
# weights change; the campaign then moves to it in place and keeps serving the old one until
# it is ACTIVE.
resource "personalize_solution_version" "this" {
  count = local.custom ? 1 : 0

  solution_arn  = personalize_solution.this[0].arn
  training_mode = var.training_mode
  tags          = var.tags

  # New event weights count only from the next training, so they start one. The key is absent
  # while event_parameters is empty: a deployment that sets none keeps its version.
  triggers = merge(
    { for type, job in personalize_dataset_import_job.this : "import_${lower(type)}" => job.arn },
    { retrain = var.retrain_trigger },
    length(var.event_parameters) == 0 ? {} : { events_config = sha256(jsonencode(var.event_parameters)) },
  )

  timeouts {
    create = var.timeouts.training
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "personalize_campaign" "this" {
  count = local.custom ? 1 : 0

  name                 = "${var.name_prefix}-campaign"
  solution_version_arn = personalize_solution_version.this[0].arn
  min_provisioned_tps  = var.min_provisioned_tps
  tags                 = var.tags

  # Only when something is set, as for solution_config.
  dynamic "campaign_config" {
    for_each = var.item_exploration_config == null && local.ranking_influence == null ? [] : [1]
    content {
      item_exploration_config = var.item_exploration_config
      ranking_influence       = local.ranking_influence
    }
  }

  timeouts {
    create = var.timeouts.campaign
    update = var.timeouts.campaign
  }
}

# Deployments made before domains existed keep their resources: only the address changed.
moved {
  from = personalize_solution.this
  to   = personalize_solution.this[0]
}

moved {
  from = personalize_solution_version.this
  to   = personalize_solution_version.this[0]
}

moved {
  from = personalize_campaign.this
  to   = personalize_campaign.this[0]
}

# A domain dataset group only: one recommender per use case, trained on the imported data when
# created, then retrained by Personalize every 7 days ("Domain recommenders in Amazon
# Personalize", developer guide). Each serves one use case's GetRecommendations.
resource "personalize_recommender" "this" {
  for_each = local.custom ? {} : { for u in var.use_cases : u => local.domain_use_cases[u] if contains(keys(local.domain_use_cases), u) }

  name              = "${var.name_prefix}-${each.key}"
  dataset_group_arn = personalize_dataset_group.this.arn
  recipe_arn        = "arn:aws:personalize:::recipe/${each.value}"
  tags              = var.tags

  timeouts {
    create = var.timeouts.training
  }

  # Training reads the datasets: they must hold data first.
  depends_on = [personalize_dataset_import_job.this]
}

# Optional: the event metrics Personalize reports for the group, to S3 (bulk imports) and
# CloudWatch (streamed events) ("Measuring recommendation impact with a metric attribution",
# developer guide). Metric attributions take no tags.
resource "personalize_metric_attribution" "this" {
  count = var.metric_attribution == null ? 0 : 1

  name              = "${var.name_prefix}-metrics"
  dataset_group_arn = personalize_dataset_group.this.arn

  dynamic "metrics" {
    for_each = var.metric_attribution.metrics
    content {
      metric_name = metrics.key
      event_type  = metrics.value.event_type
      expression  = metrics.value.expression
    }
  }

  metrics_output_config {
    s3_path     = var.metric_attribution.s3_path
    role_arn    = coalesce(var.metric_attribution.role_arn, var.role_arn)
    kms_key_arn = var.metric_attribution.kms_key_arn
  }

  # A SUM names a column of a dataset's schema: the datasets must exist.
  depends_on = [personalize_dataset.this]
}

resource "personalize_event_tracker" "this" {
  name              = "${var.name_prefix}-tracker"
  dataset_group_arn = personalize_dataset_group.this.arn
  tags              = var.tags
}

resource "personalize_filter" "this" {
  for_each = var.filters

  name              = "${var.name_prefix}-${each.key}"
  dataset_group_arn = personalize_dataset_group.this.arn
  filter_expression = each.value
  tags              = var.tags

  # An expression can only name datasets that exist.
  depends_on = [personalize_dataset.this]
}
