resource "aws_s3_bucket" "data" {
  count = var.create_bucket ? 1 : 0
  #checkov:skip=CKV_AWS_144:Cross-region replication is an account-level disaster-recovery decision; the data (exports and the Firehose archive) is reproducible from its sources.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object-created events; Personalize reads the bucket on import.
  #checkov:skip=CKV_AWS_18:Access logging is configured by aws_s3_bucket_logging.data when access_log_bucket is set; the log bucket belongs to the account, not this module.

  bucket        = local.bucket_name
  force_destroy = var.force_destroy_bucket
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "data" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.data[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  count = var.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.data[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "data" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.data[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.data[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.data[0].id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # The archive (and Firehose's delivery errors beside it) expires; versioning then keeps the
  # deleted objects as noncurrent versions for the 30 days of the rule below.
  dynamic "rule" {
    for_each = var.archive_expiration_days == null ? {} : {
      expire-archive        = var.archive_prefix
      expire-archive-errors = local.archive_errors_prefix
    }
    content {
      id     = rule.key
      status = "Enabled"
      filter {
        prefix = rule.value
      }
      expiration {
        days = var.archive_expiration_days
      }
    }
  }

  # Versioning keeps every overwritten export; old versions are only needed for a while.
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }
}

resource "aws_s3_bucket_logging" "data" {
  count = var.create_bucket && var.access_log_bucket != null ? 1 : 0

  bucket        = aws_s3_bucket.data[0].id
  target_bucket = var.access_log_bucket
  target_prefix = "${var.name_prefix}/"
}

resource "aws_s3_bucket_policy" "data" {
  count = var.manage_bucket_policy ? 1 : 0

  bucket = var.create_bucket ? aws_s3_bucket.data[0].id : local.bucket_name
  policy = data.aws_iam_policy_document.bucket.json

  # A public-access block applied after a policy could reject it; apply the block first.
  depends_on = [aws_s3_bucket_public_access_block.data]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      local.bucket_arn,
      "${local.bucket_arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Personalize reads the import data as the service as well as through its role: the
  # training prefix only, never the event archive.
  statement {
    sid     = "PersonalizeReadsImports"
    actions = ["s3:GetObject", "s3:ListBucket"]
    resources = [
      local.bucket_arn,
      "${local.bucket_arn}/${var.training_prefix}*",
    ]
    principals {
      type        = "Service"
      identifiers = ["personalize.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The role Personalize assumes for import jobs (dataset group and import job role_arn).
resource "aws_iam_role" "personalize" {
  name               = "${var.name_prefix}-personalize"
  assume_role_policy = data.aws_iam_policy_document.personalize_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "personalize_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["personalize.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "personalize" {
  name   = "read-training-data"
  role   = aws_iam_role.personalize.id
  policy = data.aws_iam_policy_document.personalize.json

  lifecycle {
    precondition {
      condition     = !startswith(var.archive_prefix, var.training_prefix) && !startswith(var.training_prefix, var.archive_prefix)
      error_message = "training_prefix and archive_prefix must not overlap: Personalize's role may read the training prefix and must not read the event archive."
    }
  }
}

# Training data only: ListBucket names keys (Personalize lists a folder it imports), GetObject
# reads them, and only under the training prefix; the event archive stays out of reach.
data "aws_iam_policy_document" "personalize" {
  statement {
    sid       = "ListDataBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
  }
  statement {
    sid       = "ReadTrainingData"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${var.training_prefix}*"]
  }
  statement {
    sid       = "DecryptData"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]
  }
}
