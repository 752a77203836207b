module "api_definition" {
  source = "../api-definition"

  openapi_path           = var.openapi_path
  authorization          = var.api_authorization
  cognito_user_pool_arns = var.api_authorization == "COGNITO" ? [local.user_pool_arn] : []
  jwt_authorizer_uri     = var.jwt_authorizer_function_arn == null ? null : "arn:${local.partition}:apigateway:${local.region}:lambda:path/2015-03-31/functions/${var.jwt_authorizer_function_arn}/invocations"
  api_key_required       = var.api_key_required
  include_seed_routes    = var.enable_seed_routes
  cors_allow_origin      = var.cors_allow_origin
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

# API keys meter usage only (api_key_required): one key, bound to the stage by a usage plan with
# the same throttle and a quota. The authorization decides who the caller is.
resource "aws_api_gateway_usage_plan" "this" {
  count = var.api_key_required ? 1 : 0

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
  count = var.api_key_required ? 1 : 0

  name = "${var.name_prefix}-api"
  tags = var.tags
}

resource "aws_api_gateway_usage_plan_key" "this" {
  count = var.api_key_required ? 1 : 0

  key_id        = aws_api_gateway_api_key.this[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[0].id
}

# IAM: what a caller's role needs, one resource a route (attach it to the callers' roles): all
# routes, or only the reading (GET) or only the writing (POST) ones, so a backend that records
# events cannot read recommendations and the other way round.
locals {
  invoke_routes = {
    all   = module.api_definition.routes
    read  = [for route in module.api_definition.routes : route if route.method == "GET"]
    write = [for route in module.api_definition.routes : route if route.method != "GET"]
  }
}

data "aws_iam_policy_document" "invoke" {
  for_each = local.invoke_routes

  statement {
    sid     = "InvokeTheApi${title(each.key)}"
    actions = ["execute-api:Invoke"]
    resources = [
      for route in each.value :
      "${aws_api_gateway_stage.prod.execution_arn}/${route.method}${route.path}"
    ]
  }
}

# COGNITO without a given pool: a pool whose users only an administrator (your backend) creates,
# so usernames can be the Personalize user ids (user_id_claim = "cognito:username"), and one app
# client for the application (no secret: a browser or mobile app).
resource "aws_cognito_user_pool" "users" {
  count = var.api_authorization == "COGNITO" && var.cognito_user_pool_arn == null ? 1 : 0

  name                = "${var.name_prefix}-users"
  deletion_protection = "ACTIVE"
  mfa_configuration   = "OPTIONAL"
  tags                = var.tags

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length    = 12
    require_lowercase = true
    require_uppercase = true
    require_numbers   = true
    require_symbols   = false
  }
}

resource "aws_cognito_user_pool_client" "app" {
  count = length(aws_cognito_user_pool.users)

  name                          = "${var.name_prefix}-app"
  user_pool_id                  = aws_cognito_user_pool.users[0].id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  id_token_validity             = 60
  access_token_validity         = 60
  token_validity_units {
    id_token     = "minutes"
    access_token = "minutes"
  }
}

# JWT: API Gateway may invoke the given Lambda authorizer for this API only.
resource "aws_lambda_permission" "jwt_authorizer" {
  count = var.api_authorization == "JWT" ? 1 : 0

  statement_id  = "${var.name_prefix}-api-authorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.jwt_authorizer_function_arn
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/authorizers/*"
}
