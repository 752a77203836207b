output "body" {
  description = "The OpenAPI document with the API Gateway integrations, security and validators, as JSON for aws_api_gateway_rest_api.body."
  value       = jsonencode(local.body)

  precondition {
    condition     = length(local.unhandled) == 0
    error_message = "Operations without x-personalize-realtime-handler: ${join(", ", local.unhandled)}."
  }
  precondition {
    condition     = length(local.unknown) == 0
    error_message = "The document names handlers that are not in var.handlers: ${join(", ", local.unknown)}."
  }
  precondition {
    condition     = var.authorization != "COGNITO" || length(var.cognito_user_pool_arns) > 0
    error_message = "authorization = \"COGNITO\" needs the user pool ARNs in cognito_user_pool_arns."
  }
  precondition {
    condition     = var.authorization != "JWT" || var.jwt_authorizer_uri != null
    error_message = "authorization = \"JWT\" needs the Lambda authorizer's invoke ARN in jwt_authorizer_uri."
  }
}

output "routes" {
  description = "Every operation of the document as { method, path, handler }, e.g. for the aws_lambda_permission of each route."
  value       = local.operations
}
