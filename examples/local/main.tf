# The Personalize part of the walkthrough, applied with our provider against personalize-local,
# through the same module as the AWS example (examples/movies). What hashicorp/aws creates there
# (bucket, stream, Firehose, queue, API Gateway, Lambdas) the local stack stands in for: its
# settings are in the local_stack output, which `local-stack --terraform-dir` reads.

locals {
  # A role ARN of the right shape: the emulator checks the format, not IAM.
  personalize_role_arn = "arn:aws:iam::${var.account_id}:role/${var.name_prefix}-personalize"
  stream_name          = "${var.name_prefix}-events"
}

module "personalize" {
  source = "../../terraform/modules/personalize"

  name_prefix = var.name_prefix
  role_arn    = local.personalize_role_arn
  bucket_name = var.bucket_name

  interactions = {
    key          = "interactions.csv"
    data_version = var.data_version
  }
  items = {
    key          = "item-meta.csv"
    data_version = var.data_version
  }

  filters = {
    comedies = "INCLUDE ItemID WHERE Items.GENRE IN (\"Comedy\")"
    unseen   = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")"
  }
}
