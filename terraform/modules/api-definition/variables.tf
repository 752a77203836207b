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
  description = "Who may call: COGNITO (an ID token of a Cognito user pool in the Authorization header; the request is bound to its user), JWT (a token a Lambda authorizer verifies; bound likewise) or IAM (SigV4-signed requests of a backend acting for many users)."
  type        = string
  default     = "COGNITO"

  validation {
    condition     = contains(["COGNITO", "JWT", "IAM"], var.authorization)
    error_message = "authorization must be COGNITO, JWT or IAM (API keys only meter usage: see api_key_required)."
  }
}

variable "cognito_user_pool_arns" {
  description = "User pools whose ID tokens the COGNITO authorizer accepts."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.cognito_user_pool_arns : can(regex("^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/.+$", arn))])
    error_message = "Every entry of cognito_user_pool_arns must be a Cognito user pool ARN (arn:<partition>:cognito-idp:<region>:<account>:userpool/<id>)."
  }
}

variable "jwt_authorizer_uri" {
  description = "Invoke ARN of the Lambda authorizer (TOKEN type) that verifies JWTs, for authorization = JWT."
  type        = string
  default     = null

  validation {
    condition     = var.jwt_authorizer_uri == null || can(regex("^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/", var.jwt_authorizer_uri))
    error_message = "jwt_authorizer_uri must be a Lambda invoke ARN (arn:<partition>:apigateway:<region>:lambda:path/...)."
  }
}

variable "api_key_required" {
  description = "Also require an API key (x-api-key) on every route, for usage metering through usage plans. A key never identifies a caller: the authorization still does."
  type        = bool
  default     = false
}

variable "include_seed_routes" {
  description = "Serve the original walkthrough's routes (the document's operations tagged seed: GET /getRecommendations, POST /data)."
  type        = bool
  default     = false
}

variable "cors_allow_origin" {
  description = "Origin browsers may call the API from, such as https://shop.example.com, or * for any; null for no CORS. Adds an OPTIONS method (mock integration) to every path, since API Gateway does not answer a REST API's preflights by itself, and the header to API Gateway's own error responses; the Lambdas add it to theirs (CORS_ALLOW_ORIGIN)."
  type        = string
  default     = null

  validation {
    condition     = var.cors_allow_origin == null ? true : can(regex("^(\\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$", var.cors_allow_origin))
    error_message = "cors_allow_origin must be \"*\" or an origin (scheme://host[:port], no path), or null."
  }
}

variable "request_validation" {
  description = "Whether API Gateway validates query parameters and bodies against the document before invoking a Lambda."
  type        = bool
  default     = true
}
