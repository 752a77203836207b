module "api_definition" {
  source = "../api-definition"

  openapi_path  = var.openapi_path
  authorization = var.api_authorization
  handlers = {
    collect   = aws_lambda_function.this["collect"].invoke_arn
    recommend = aws_lambda_function.this["recommend"].invoke_arn
  }
}

resource "aws_api_gateway_rest_api" "this" {
  name           = "${var.name_prefix}-api"
  description    = "personalize-realtime: events in, recommendations out"
  body           = module.api_definition.body
  api_key_source = "HEADER"
  tags           = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # A new deployment whenever the definition changes; the stage then moves to it.
  triggers = {
    body = sha256(module.api_definition.body)
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Access (and execution) logs need the region's API Gateway account to name a CloudWatch role.
resource "aws_iam_role" "api_gateway_logs" {
  count = var.manage_api_gateway_account ? 1 : 0

  name               = "${var.name_prefix}-apigateway-logs"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "api_gateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "api_gateway_logs" {
  count = var.manage_api_gateway_account ? 1 : 0

  role       = aws_iam_role.api_gateway_logs[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_logs[0].arn
  depends_on          = [aws_iam_role_policy_attachment.api_gateway_logs]
}

resource "aws_api_gateway_stage" "prod" {
  #checkov:skip=CKV_AWS_120:Responses are per user and must reflect events within seconds; a stage cache would serve stale recommendations.
  #checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to an HTTP backend; the backends here are Lambda proxies invoked by the service itself.
  #checkov:skip=CKV2_AWS_29:The web ACL is associated through aws_wafv2_web_acl_association.prod: the module's own (waf.tf, on by default) or the account's web_acl_arn.
  #checkov:skip=CKV2_AWS_77:The module's web ACL holds the body-size and rate rules; managed rule groups (Log4j AMR) protect Java backends, and an account wanting them passes its own web_acl_arn.
  #checkov:skip=CKV2_AWS_4:Execution logging needs the account-wide API Gateway CloudWatch role (manage_api_gateway_account), which is off by default; it is set with execution_logging_level, and access logs are always on.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = "prod"
  xray_tracing_enabled = true
  tags                 = var.tags

  depends_on = [aws_api_gateway_account.this]

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      extendedId       = "$context.extendedRequestId"
      ip               = "$context.identity.sourceIp"
      caller           = "$context.identity.caller"
      apiKeyId         = "$context.identity.apiKeyId"
      requestTime      = "$context.requestTime"
      httpMethod       = "$context.httpMethod"
      resourcePath     = "$context.resourcePath"
      status           = "$context.status"
      protocol         = "$context.protocol"
      responseLength   = "$context.responseLength"
      integrationError = "$context.integration.error"
      validationError  = "$context.error.validationErrorString"
      latencyMs        = "$context.responseLatency"
    })
  }
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Caching is off on purpose (see CKV_AWS_120 on the stage): recommendations must reflect recent events.
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = var.execution_logging_level
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttle_rate_limit
    throttling_burst_limit = var.throttle_burst_limit
  }
}

# Per-method limits below the stage's: API Gateway applies the most specific method settings.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
resource "aws_api_gateway_method_settings" "route" {
  #checkov:skip=CKV_AWS_225:Caching is off on purpose (see CKV_AWS_120 on the stage): recommendations must reflect recent events.
  for_each = {
    for route in module.api_definition.routes : "${route.method} ${route.path}" => merge(route, var.route_throttles["${route.method} ${route.path}"])
    if contains(keys(var.route_throttles), "${route.method} ${route.path}")
  }

  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "${trimprefix(each.value.path, "/")}/${each.value.method}"

  settings {
    metrics_enabled        = true
    logging_level          = var.execution_logging_level
    data_trace_enabled     = false
    throttling_rate_limit  = each.value.rate_limit
    throttling_burst_limit = each.value.burst_limit
  }
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/apigateway/${var.name_prefix}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_wafv2_web_acl_association" "prod" {
  count = var.web_acl_arn != null || var.create_web_acl ? 1 : 0

  resource_arn = aws_api_gateway_stage.prod.arn
  web_acl_arn  = var.web_acl_arn != null ? var.web_acl_arn : aws_wafv2_web_acl.api[0].arn
}

# API_KEY: one key, bound to the stage by a usage plan with the same throttle and a quota.
resource "aws_api_gateway_usage_plan" "this" {
  count = var.api_authorization == "API_KEY" ? 1 : 0

  name = "${var.name_prefix}-api"
  tags = var.tags

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.prod.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttle_rate_limit
    burst_limit = var.throttle_burst_limit
  }

  dynamic "quota_settings" {
    for_each = var.api_quota_per_day == null ? [] : [var.api_quota_per_day]
    content {
      limit  = quota_settings.value
      period = "DAY"
    }
  }
}

resource "aws_api_gateway_api_key" "this" {
  count = var.api_authorization == "API_KEY" ? 1 : 0

  name = "${var.name_prefix}-api"
  tags = var.tags
}

resource "aws_api_gateway_usage_plan_key" "this" {
  count = var.api_authorization == "API_KEY" ? 1 : 0

  key_id        = aws_api_gateway_api_key.this[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[0].id
}

# IAM: what a caller's role needs, one resource a route (attach it to the callers' roles).
data "aws_iam_policy_document" "invoke" {
  statement {
    sid     = "InvokeTheApi"
    actions = ["execute-api:Invoke"]
    resources = [
      for route in module.api_definition.routes :
      "${aws_api_gateway_stage.prod.execution_arn}/${route.method}${route.path}"
    ]
  }
}
