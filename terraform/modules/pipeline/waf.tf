# The API's own web ACL (unless the caller brings one as web_acl_arn): a body-size rule, so an
# oversized request gets 413 with a JSON message at the edge instead of reaching a Lambda
# (API Gateway takes 10 MB, Lambda 6 MB: in between the caller would get a 5xx), and an
# optional per-address rate-based rule. WAF inspects at most 64 KB of a body for API Gateway
# (association_config); a larger body matches the size rule (oversize_handling = MATCH).
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-size-constraint-match.html
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
# https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html
resource "aws_wafv2_web_acl" "api" {
  count = var.web_acl_arn == null && var.create_web_acl ? 1 : 0
  #checkov:skip=CKV_AWS_192:The Log4j managed rule group protects Java backends; the integrations here are Rust Lambdas behind a JSON-validating gateway.
  #checkov:skip=CKV2_AWS_31:WAF logging needs a Firehose or log group named aws-waf-logs-*, an account-level choice with its own cost; rule metrics and sampled requests are on.

  name        = "${var.name_prefix}-api"
  description = "personalize-realtime API: body size limit and per-address rate limit"
  scope       = "REGIONAL"
  tags        = var.tags

  default_action {
    allow {}
  }

  association_config {
    request_body {
      api_gateway {
        default_size_inspection_limit = "KB_64"
      }
    }
  }

  custom_response_body {
    key          = "too-large"
    content_type = "APPLICATION_JSON"
    content      = jsonencode({ message = "request body is larger than ${var.max_body_kb} KB", field = "body" })
  }

  custom_response_body {
    key          = "too-many"
    content_type = "APPLICATION_JSON"
    content      = jsonencode({ message = "too many requests from this address; retry later" })
  }

  rule {
    name     = "body-size"
    priority = 0

    action {
      block {
        custom_response {
          response_code            = 413
          custom_response_body_key = "too-large"
        }
      }
    }

    statement {
      size_constraint_statement {
        comparison_operator = "GT"
        size                = var.max_body_kb * 1024
        field_to_match {
          body {
            oversize_handling = "MATCH"
          }
        }
        text_transformation {
          priority = 0
          type     = "NONE"
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name_prefix}-body-size"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = var.waf_rate_limit == null ? [] : [var.waf_rate_limit]
    content {
      name     = "rate-per-address"
      priority = 1

      action {
        block {
          custom_response {
            response_code            = 429
            custom_response_body_key = "too-many"
          }
        }
      }

      statement {
        rate_based_statement {
          limit                 = rule.value
          evaluation_window_sec = 300
          aggregate_key_type    = "IP"
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name_prefix}-rate-per-address"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name_prefix}-api"
    sampled_requests_enabled   = true
  }
}
