locals {
  document = yamldecode(file(coalesce(var.openapi_path, "${path.module}/../../../api/openapi.yaml")))

  # The handler extension is ours: API Gateway gets the integration it stands for instead.
  handler_key = "x-personalize-realtime-handler"

  # The walkthrough's routes (tag `seed`) are served only when asked for.
  paths_served = {
    for path, methods in local.document.paths : path => methods
    if var.include_seed_routes || !alltrue([for method, operation in methods : contains(lookup(operation, "tags", []), "seed")])
  }

  operations = flatten([
    for path, methods in local.paths_served : [
      for method, operation in methods : {
        path    = path
        method  = upper(method)
        handler = lookup(operation, local.handler_key, null)
      }
    ]
  ])

  unhandled = [for op in local.operations : "${op.method} ${op.path}" if op.handler == null]
  unknown   = distinct([for op in local.operations : op.handler if op.handler != null && !contains(keys(var.handlers), coalesce(op.handler, "-"))])

  # Who may call: a user of a Cognito user pool (its ID token; the default), a user whose JWT a
  # Lambda authorizer verified, or an IAM principal (a backend acting for many users).
  identity_schemes = {
    COGNITO = {
      cognito = {
        type                           = "apiKey"
        name                           = "Authorization"
        in                             = "header"
        "x-amazon-apigateway-authtype" = "cognito_user_pools"
        "x-amazon-apigateway-authorizer" = {
          type         = "cognito_user_pools"
          providerARNs = var.cognito_user_pool_arns
        }
      }
    }
    JWT = {
      jwt = {
        type                           = "apiKey"
        name                           = "Authorization"
        in                             = "header"
        "x-amazon-apigateway-authtype" = "custom"
        "x-amazon-apigateway-authorizer" = {
          type                         = "token"
          authorizerUri                = coalesce(var.jwt_authorizer_uri, "unset")
          authorizerResultTtlInSeconds = 300
          identityValidationExpression = "^(Bearer )?[-_0-9A-Za-z]+\\.[-_0-9A-Za-z]+\\.[-_0-9A-Za-z]*$"
        }
      }
    }
    IAM = {
      sigv4 = {
        type                           = "apiKey"
        name                           = "Authorization"
        in                             = "header"
        "x-amazon-apigateway-authtype" = "awsSigv4"
      }
    }
  }
  # API keys only meter usage (a usage plan per key); they never identify a caller.
  api_key_scheme = {
    api_key = {
      type = "apiKey"
      name = "x-api-key"
      in   = "header"
    }
  }
  security_schemes = merge(local.identity_schemes[var.authorization], var.api_key_required ? local.api_key_scheme : {})
  # One requirement naming both schemes: both must pass.
  security = [merge(
    { for name, scheme in local.identity_schemes[var.authorization] : name => [] },
    var.api_key_required ? { api_key = [] } : {},
  )]

  paths = {
    for path, methods in local.paths_served : path => merge(local.cors ? { options = local.preflight[path] } : {}, {
      for method, operation in methods : method => merge(
        { for key, value in operation : key => value if key != local.handler_key },
        {
          security = local.security
          "x-amazon-apigateway-integration" = {
            type                = "aws_proxy"
            httpMethod          = "POST"
            uri                 = lookup(var.handlers, lookup(operation, local.handler_key, ""), "")
            passthroughBehavior = "when_no_match"
          }
        },
        var.request_validation ? { "x-amazon-apigateway-request-validator" = "all" } : {},
      )
    })
  }

  # CORS: a REST API answers a preflight only through an OPTIONS method of its own, here a mock
  # integration; the headers a browser may send are the ones the API reads or authenticates with.
  # https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
  cors = var.cors_allow_origin != null
  cors_headers = {
    # "-" only stands in while CORS is off: the preflight is then built but never used.
    "Access-Control-Allow-Origin"  = coalesce(var.cors_allow_origin, "-")
    "Access-Control-Allow-Headers" = "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key"
    "Access-Control-Max-Age"       = "600"
  }
  preflight = {
    for path, methods in local.paths_served : path => {
      summary  = "CORS preflight (answered by API Gateway)"
      security = []
      responses = {
        "200" = {
          description = "The methods, headers and origin a browser may use."
          headers     = { for name in concat(keys(local.cors_headers), ["Access-Control-Allow-Methods"]) : name => { schema = { type = "string" } } }
        }
      }
      "x-amazon-apigateway-integration" = {
        type                = "mock"
        passthroughBehavior = "when_no_match"
        requestTemplates    = { "application/json" = "{\"statusCode\": 200}" }
        responses = {
          default = {
            statusCode = "200"
            responseParameters = merge(
              { for name, value in local.cors_headers : "method.response.header.${name}" => "'${value}'" },
              { "method.response.header.Access-Control-Allow-Methods" = "'${join(",", concat([for method in keys(methods) : upper(method)], ["OPTIONS"]))}'" },
            )
          }
        }
      }
    }
  }

  # API Gateway's own refusals (validation, auth, throttling) answer in the API's error shape.
  gateway_responses = {
    for type, field in {
      BAD_REQUEST_BODY             = "body"
      BAD_REQUEST_PARAMETERS       = "query"
      UNAUTHORIZED                 = "Authorization"
      ACCESS_DENIED                = "Authorization"
      EXPIRED_TOKEN                = "Authorization"
      INVALID_SIGNATURE            = "Authorization"
      MISSING_AUTHENTICATION_TOKEN = ""
      DEFAULT_4XX                  = ""
      DEFAULT_5XX                  = ""
      } : type => merge(
      {
        responseTemplates = {
          "application/json" = field == "" ? "{\"message\":$context.error.messageString}" : "{\"message\":$context.error.messageString,\"field\":\"${field}\"}"
        }
      },
      local.cors ? { responseParameters = { "gatewayresponse.header.Access-Control-Allow-Origin" = "'${local.cors_headers["Access-Control-Allow-Origin"]}'" } } : {},
    )
  }

  body = merge(
    # `servers` describes the deployed URL for clients; API Gateway would read a base path from it.
    # The document's own `security` is replaced by each operation's, from `authorization`.
    { for key, value in local.document : key => value if !contains(["servers", "security"], key) },
    {
      paths = local.paths
      components = merge(lookup(local.document, "components", {}), {
        securitySchemes = local.security_schemes
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
