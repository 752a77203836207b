# The walkthrough on AWS: the movie data uploaded to the pipeline's bucket, trained into a
# User-Personalization campaign, and served with real-time events through the REST API.

locals {
  data_dir = "${path.module}/data"
}

module "pipeline" {
  source = "../../terraform/modules/pipeline"

  name_prefix         = var.name_prefix
  lambda_dist_dir     = var.lambda_dist_dir
  lambda_architecture = var.lambda_architecture
  api_authorization   = "COGNITO"
  create_alarm_topic  = true
  alarm_emails        = var.alarm_email == null ? [] : [var.alarm_email]

  # Users of the created pool are named by their Personalize user id (429 in the walkthrough),
  # and the walkthrough's own calls are served.
  user_id_claim      = "cognito:username"
  enable_seed_routes = true

  manage_api_gateway_account = var.manage_api_gateway_account

  # The example's data is the repository's: destroy may take the bucket with it.
  force_destroy_bucket = true

  campaign_arn      = module.personalize.campaign_arn
  event_tracker_arn = module.personalize.event_tracker_arn
  tracking_id       = module.personalize.tracking_id
  filter_arns       = module.personalize.filter_arns
}

resource "aws_s3_object" "interactions" {
  bucket      = module.pipeline.bucket_name
  key         = "${module.pipeline.training_prefix}interactions.csv"
  source      = "${local.data_dir}/interactions.csv"
  source_hash = filemd5("${local.data_dir}/interactions.csv")
}

resource "aws_s3_object" "items" {
  bucket      = module.pipeline.bucket_name
  key         = "${module.pipeline.training_prefix}item-meta.csv"
  source      = "${local.data_dir}/item-meta.csv"
  source_hash = filemd5("${local.data_dir}/item-meta.csv")
}

module "personalize" {
  source = "../../terraform/modules/personalize"

  name_prefix = var.name_prefix
  role_arn    = module.pipeline.personalize_role_arn
  bucket_name = module.pipeline.bucket_name

  # The bucket is versioned: a new upload is a new version, so a new import and a retraining.
  interactions = {
    key          = aws_s3_object.interactions.key
    data_version = aws_s3_object.interactions.version_id
  }
  items = {
    key          = aws_s3_object.items.key
    data_version = aws_s3_object.items.version_id
  }

  retrain_trigger = var.retrain_trigger
  item_exploration_config = {
    explorationWeight        = "0.3"
    explorationItemAgeCutOff = "30"
  }
  filters = {
    comedies = "INCLUDE ItemID WHERE Items.GENRE IN (\"Comedy\")"
    unseen   = "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (\"watch\")"
  }
}
