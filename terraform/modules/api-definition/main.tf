locals {
  document = yamldecode(file(coalesce(var.openapi_path, "${path.module}/../../../api/openapi.yaml")))

  # The handler extension is ours: API Gateway gets the integration it stands for instead.
  handler_key = "x-personalize-realtime-handler"

  operations = flatten([
    for path, methods in local.document.paths : [
      for method, operation in methods : {
        path    = path
        method  = upper(method)
        handler = lookup(operation, local.handler_key, null)
      }
    ]
  ])

  unhandled = [for op in local.operations : "${op.method} ${op.path}" if op.handler == null]
  unknown   = distinct([for op in local.operations : op.handler if op.handler != null && !contains(keys(var.handlers), coalesce(op.handler, "-"))])

  security_schemes = {
    IAM = {
      sigv4 = {
        type                           = "apiKey"
        name                           = "Authorization"
        in                             = "header"
        "x-amazon-apigateway-authtype" = "awsSigv4"
      }
    }
    API_KEY = {
      api_key = {
        type = "apiKey"
        name = "x-api-key"
        in   = "header"
      }
    }
    NONE = {}
  }
  security = {
    IAM     = [{ sigv4 = [] }]
    API_KEY = [{ api_key = [] }]
    NONE    = []
  }

  paths = {
    for path, methods in local.document.paths : path => {
      for method, operation in methods : method => merge(
        { for key, value in operation : key => value if key != local.handler_key },
        {
          security = local.security[var.authorization]
          "x-amazon-apigateway-integration" = {
            type                = "aws_proxy"
            httpMethod          = "POST"
            uri                 = lookup(var.handlers, lookup(operation, local.handler_key, ""), "")
            passthroughBehavior = "when_no_match"
          }
        },
        var.request_validation ? { "x-amazon-apigateway-request-validator" = "all" } : {},
      )
    }
  }

  # API Gateway's own refusals (validation, auth, throttling) answer in the API's error shape.
  gateway_responses = {
    for type, field in {
      BAD_REQUEST_BODY       = "body"
      BAD_REQUEST_PARAMETERS = "query"
      DEFAULT_4XX            = ""
      DEFAULT_5XX            = ""
      } : type => {
      responseTemplates = {
        "application/json" = field == "" ? "{\"message\":$context.error.messageString}" : "{\"message\":$context.error.messageString,\"field\":\"${field}\"}"
      }
    }
  }

  body = merge(
    # `servers` describes the deployed URL for clients; API Gateway would read a base path from it.
    { for key, value in local.document : key => value if key != "servers" },
    {
      paths = local.paths
      components = merge(lookup(local.document, "components", {}), {
        securitySchemes = local.security_schemes[var.authorization]
      })
      "x-amazon-apigateway-api-key-source"    = "HEADER"
      "x-amazon-apigateway-gateway-responses" = local.gateway_responses
      "x-amazon-apigateway-request-validators" = {
        all = {
          validateRequestBody       = true
          validateRequestParameters = true
        }
      }
    },
  )
}
