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
}

output "routes" {
  description = "Every operation of the document as { method, path, handler }, e.g. for the aws_lambda_permission of each route."
  value       = local.operations
}
