# The Personalize part of the walkthrough, applied with our provider against personalize-local,
# through the same module as the AWS example (examples/movies). What hashicorp/aws creates there
# (bucket, stream, Firehose, queue, API Gateway, Lambdas) the local stack stands in for: its
# settings are in the local_stack output, which `local-stack --terraform-dir` reads.

locals {
  # A role ARN of the right shape: the emulator checks the format, not IAM.
  personalize_role_arn = "arn:aws:iam::${var.account_id}:role/${var.name_prefix}-personalize"
  stream_name          = "${var.name_prefix}-events"

  # With a domain, the files the demo converts to it (testkit::movies_domain) and the domain's
  # field names and event types in the filters.
  custom = var.domain == null
  keys = local.custom ? {
    interactions = "interactions.csv"
    items        = "item-meta.csv"
    } : {
    interactions = "domain/interactions.csv"
    items        = "domain/items.csv"
  }
  filters = local.custom ? {
    comedies = "INCLUDE ItemID WHERE Items.GENRE IN (\"Comedy\")"
    unseen   = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")"
    } : {
    comedies = "INCLUDE ItemID WHERE Items.GENRES IN (\"Comedy\")"
    unseen   = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"Watch\")"
  }
}

module "personalize" {
  source = "../../terraform/modules/personalize"

  name_prefix = var.name_prefix
  role_arn    = local.personalize_role_arn
  bucket_name = var.bucket_name

  interactions = {
    key          = local.keys.interactions
    data_version = var.data_version
  }
  items = {
    key          = local.keys.items
    data_version = var.data_version
  }

  domain    = var.domain
  use_cases = local.custom ? [] : var.use_cases

  filters = local.filters
}
