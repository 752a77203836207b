# The walkthrough on AWS through a VIDEO_ON_DEMAND domain dataset group: the movie data in the
# domain's format uploaded to the pipeline's bucket, one recommender per use case, and the REST
# API serving top picks and the item-to-item routes with real-time events.
#
# The domain's files are generated from examples/movies/data by `cargo xtask movies-domain-data`
# (the same conversion the local demo's --domain variant uploads): see README.md.

module "pipeline" {
  source = "../../terraform/modules/pipeline"

  name_prefix         = var.name_prefix
  lambda_dist_dir     = var.lambda_dist_dir
  lambda_architecture = var.lambda_architecture
  api_authorization   = "COGNITO"
  create_alarm_topic  = true
  alarm_emails        = var.alarm_email == null ? [] : [var.alarm_email]

  # Users of the created pool are named by their Personalize user id (429 in the walkthrough);
  # POST /data (the walkthrough's event generator) is served, GET /getRecommendations answers
  # 404 without a campaign.
  user_id_claim      = "cognito:username"
  enable_seed_routes = true

  manage_api_gateway_account = var.manage_api_gateway_account

  # The example's data is generated from the repository's: destroy may take the bucket with it.
  force_destroy_bucket = true

  # No campaign: GET /recommendations is served by the top-picks recommender.
  recommender_arns  = module.personalize.recommender_arns
  event_tracker_arn = module.personalize.event_tracker_arn
  tracking_id       = module.personalize.tracking_id
  filter_arns       = module.personalize.filter_arns
}

resource "aws_s3_object" "interactions" {
  bucket      = module.pipeline.bucket_name
  key         = "${module.pipeline.training_prefix}domain/interactions.csv"
  source      = "${var.data_dir}/interactions.csv"
  source_hash = filemd5("${var.data_dir}/interactions.csv")
}

resource "aws_s3_object" "items" {
  bucket      = module.pipeline.bucket_name
  key         = "${module.pipeline.training_prefix}domain/items.csv"
  source      = "${var.data_dir}/items.csv"
  source_hash = filemd5("${var.data_dir}/items.csv")
}

module "personalize" {
  source = "../../terraform/modules/personalize"

  name_prefix = var.name_prefix
  role_arn    = module.pipeline.personalize_role_arn
  bucket_name = module.pipeline.bucket_name

  # The domain's default schemas: Interactions (Watch and Click events), Items with GENRES
  # and CREATION_TIMESTAMP.
  domain    = "VIDEO_ON_DEMAND"
  use_cases = var.use_cases

  # The bucket is versioned: a new upload is a new version, so a new import.
  interactions = {
    key          = aws_s3_object.interactions.key
    data_version = aws_s3_object.interactions.version_id
  }
  items = {
    key          = aws_s3_object.items.key
    data_version = aws_s3_object.items.version_id
  }

  filters = {
    comedies = "INCLUDE ItemID WHERE Items.GENRES IN (\"Comedy\")"
  }
}
