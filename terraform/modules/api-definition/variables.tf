variable "openapi_path" {
  description = "Path of the OpenAPI 3 document of the REST API. Defaults to the project's api/openapi.yaml."
  type        = string
  default     = null
}

variable "handlers" {
  description = "Lambda invoke ARN (aws_lambda_function.invoke_arn) of each handler named by the document's x-personalize-realtime-handler fields, e.g. { collect = ..., recommend = ... }."
  type        = map(string)

  validation {
    condition     = alltrue([for uri in values(var.handlers) : can(regex("^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/", uri))])
    error_message = "Every handler must be a Lambda invoke ARN (arn:<partition>:apigateway:<region>:lambda:path/...), as aws_lambda_function.invoke_arn returns."
  }
}

variable "authorization" {
  description = "How callers authenticate: IAM (SigV4-signed requests), API_KEY (x-api-key header, with a usage plan) or NONE (only behind another front door)."
  type        = string
  default     = "IAM"

  validation {
    condition     = contains(["IAM", "API_KEY", "NONE"], var.authorization)
    error_message = "authorization must be IAM, API_KEY or NONE."
  }
}

variable "request_validation" {
  description = "Whether API Gateway validates query parameters and bodies against the document before invoking a Lambda."
  type        = bool
  default     = true
}
