resource "aws_lambda_function" "this" {
  for_each = local.functions
  #checkov:skip=CKV_AWS_117:The functions call only public AWS endpoints (Kinesis, SQS, Personalize); a VPC would add NAT or endpoint costs and no isolation.
  #checkov:skip=CKV_AWS_116:No asynchronous invocations: API Gateway invokes synchronously and the Kinesis event source mapping has its own on-failure SQS destination.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the project cannot provide; the zips come from the project's reproducible `cargo xtask dist-lambdas` build and are pinned by source_code_hash.

  function_name = "${var.name_prefix}-${each.key}"
  description   = "personalize-realtime ${each.key}"
  role          = aws_iam_role.lambda[each.key].arn
  runtime       = "provided.al2023"
  handler       = "bootstrap"
  architectures = [var.lambda_architecture]
  # One package source per function: a local zip or an S3 object (local.lambda_packages).
  filename          = local.lambda_packages[each.key].filename
  s3_bucket         = local.lambda_packages[each.key].s3_bucket
  s3_key            = local.lambda_packages[each.key].s3_key
  s3_object_version = local.lambda_packages[each.key].s3_object_version
  source_code_hash  = local.lambda_packages[each.key].source_code_hash

  memory_size                    = var.lambda_memory_mb
  timeout                        = each.key == "ingest" ? var.ingest_timeout_seconds : var.lambda_timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency[each.key]
  kms_key_arn                    = local.kms_key_arn
  tags                           = var.tags

  environment {
    variables = local.environment[each.key]
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.lambda[each.key].name
  }

  lifecycle {
    # recommend refuses to start without something to serve, or with two sources for
    # GET /recommendations: refused at plan time instead.
    precondition {
      condition     = each.key != "recommend" || var.campaign_arn != null || length(var.recommender_arns) > 0
      error_message = "recommend needs campaign_arn or at least one recommender_arns entry."
    }
    precondition {
      condition     = each.key != "recommend" || var.campaign_arn == null || length(setintersection(keys(var.recommender_arns), ["top-picks", "recommended-for-you"])) == 0
      error_message = "campaign_arn and recommender_arns' top-picks or recommended-for-you would both serve GET /recommendations: set one of them."
    }
    precondition {
      condition     = local.lambda_packages[each.key].filename != null || local.lambda_packages[each.key].s3_bucket != null
      error_message = "No deployment package for ${each.key}: set lambda_dist_dir or lambda_packages[\"${each.key}\"]."
    }
  }
}

locals {
  # Each function's package: its lambda_packages entry, else <lambda_dist_dir>/<name>-<arch>.zip.
  # A local zip is pinned by its own hash unless one is given; an S3 object by the given one.
  lambda_package_entries = {
    for name in local.functions : name => (
      contains(keys(var.lambda_packages), name) ? var.lambda_packages[name] : {
        filename          = var.lambda_dist_dir == null ? null : "${var.lambda_dist_dir}/${name}-${var.lambda_architecture}.zip"
        s3_bucket         = null
        s3_key            = null
        s3_object_version = null
        source_code_hash  = null
      }
    )
  }
  lambda_packages = {
    for name, p in local.lambda_package_entries : name => merge(p, {
      source_code_hash = p.source_code_hash != null ? p.source_code_hash : (p.filename != null ? filebase64sha256(p.filename) : null)
    })
  }
}

resource "aws_cloudwatch_log_group" "lambda" {
  for_each = local.functions

  name              = "/aws/lambda/${var.name_prefix}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

# Kinesis -> ingest: partial batch failures, bisecting, retries until the records approach the
# end of the stream's retention, then the on-failure destination. With S3 Lambda writes the
# whole invocation record, every record's data included ("Retain discarded batch records for a
# Kinesis Data Streams event source in Lambda", Lambda developer guide); SQS gets metadata only.
resource "aws_lambda_event_source_mapping" "ingest" {
  event_source_arn                   = aws_kinesis_stream.events.arn
  function_name                      = aws_lambda_function.this["ingest"].arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = var.ingest_batch_size
  maximum_batching_window_in_seconds = var.ingest_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = var.ingest_max_retries
  maximum_record_age_in_seconds      = local.ingest_max_record_age_seconds

  destination_config {
    on_failure {
      destination_arn = var.ingest_failure_destination == "s3" ? local.bucket_arn : aws_sqs_queue.dlq.arn
    }
  }

  # The role must be able to read the stream before the mapping is created.
  depends_on = [aws_iam_role_policy.lambda]
}

# API Gateway may invoke each function only for the routes the document gives it.
resource "aws_lambda_permission" "api" {
  for_each = { for route in module.api_definition.routes : "${route.method} ${route.path}" => route }

  statement_id  = "api-${lower(each.value.method)}-${replace(trimprefix(each.value.path, "/"), "/[^A-Za-z0-9]/", "-")}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.value.handler].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/${each.value.method}${each.value.path}"
}
