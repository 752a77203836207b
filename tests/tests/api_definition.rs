//! The OpenAPI document is valid, and the api-definition module (no provider, so Terraform
//! really applies it here) turns it into the API Gateway body the pipeline deploys.

use std::fs;
use std::path::Path;

use serde_json::Value;
use testkit::{paths, python, terraform};

const COLLECT: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:t-collect/invocations";
const RECOMMEND: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:t-recommend/invocations";

/// Validates an OpenAPI file with openapi-spec-validator; the validator's message on failure.
fn validate_openapi(file: &Path) -> Result<(), String> {
    let venv = python::venv().unwrap();
    let out = venv
        .python_command()
        .args([
            "-c",
            "import sys\nfrom openapi_spec_validator import validate\n\
             from openapi_spec_validator.readers import read_from_filename\n\
             validate(read_from_filename(sys.argv[1])[0])",
        ])
        .arg(file)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn the_openapi_document_is_valid_openapi_3() {
    validate_openapi(&paths::project_file("api/openapi.yaml")).unwrap();
}

#[test]
fn the_validator_rejects_a_broken_document() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    let text = fs::read_to_string(paths::project_file("api/openapi.yaml")).unwrap();
    // A response without its required description.
    fs::write(
        &file,
        text.replacen("description: Ranked items.", "summary: x", 1),
    )
    .unwrap();
    let err = validate_openapi(&file).unwrap_err();
    assert!(
        err.contains("/recommendations") && err.contains("responses"),
        "{err}"
    );
}

#[derive(Debug)]
struct Applied {
    body: Value,
    routes: Value,
}

const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_EXAMPLE";

/// Applies the module with `handlers` and `authorization`, plus `extra` HCL arguments.
fn apply(handlers: &str, authorization: &str) -> Result<Applied, String> {
    apply_with(handlers, authorization, "")
}

/// [`apply`] with more module arguments (HCL lines).
fn apply_with(handlers: &str, authorization: &str, extra: &str) -> Result<Applied, String> {
    let tf = terraform::find().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let module = paths::project_file("terraform/modules/api-definition");
    let openapi = paths::project_file("api/openapi.yaml");
    fs::write(
        dir.path().join("main.tf"),
        format!(
            "module \"api\" {{\n  source        = {}\n  openapi_path  = {}\n  authorization = \"{authorization}\"\n  handlers      = {handlers}\n{extra}\n}}\n\
             output \"body\" {{\n  value = module.api.body\n}}\n\
             output \"routes\" {{\n  value = module.api.routes\n}}\n",
            terraform::hcl_string(&module.display().to_string()),
            terraform::hcl_string(&openapi.display().to_string()),
        ),
    )
    .unwrap();
    let config = dir.path().join("cli.tfrc");
    fs::write(&config, "").unwrap();
    for args in [
        &["init", "-input=false"][..],
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    ] {
        let out = tf.command(dir.path(), &config).args(args).output().unwrap();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
    }
    let out = tf
        .command(dir.path(), &config)
        .args(["output", "-json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let outputs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let body_text = outputs["body"]["value"].as_str().unwrap();
    // The rendered body is itself a valid OpenAPI document (extensions are allowed).
    let rendered = dir.path().join("body.json");
    fs::write(&rendered, body_text).unwrap();
    validate_openapi(&rendered).map_err(|e| format!("rendered body invalid: {e}"))?;
    Ok(Applied {
        body: serde_json::from_str(body_text).unwrap(),
        routes: outputs["routes"]["value"].clone(),
    })
}

fn both_handlers() -> String {
    format!("{{ collect = \"{COLLECT}\", recommend = \"{RECOMMEND}\" }}")
}

#[test]
fn every_route_gets_its_lambda_integration_validation_and_cognito_auth_with_metering_keys() {
    let applied = apply_with(
        &both_handlers(),
        "COGNITO",
        &format!("cognito_user_pool_arns = [\"{POOL}\"]\napi_key_required = true\ninclude_seed_routes = true"),
    )
    .unwrap();
    let body = &applied.body;
    let mut routes = Vec::new();
    for (path, methods) in body["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            routes.push(format!("{} {path}", method.to_uppercase()));
            let integration = &op["x-amazon-apigateway-integration"];
            assert_eq!(integration["type"], "aws_proxy");
            assert_eq!(integration["httpMethod"], "POST");
            let expected = if path.contains("ecommendations") {
                RECOMMEND
            } else {
                COLLECT
            };
            assert_eq!(integration["uri"], expected, "{method} {path}");
            assert_eq!(op["x-amazon-apigateway-request-validator"], "all");
            // One requirement with both schemes: the user's token and the metering key.
            assert_eq!(
                op["security"],
                serde_json::json!([{ "cognito": [], "api_key": [] }])
            );
            assert!(op.get("x-personalize-realtime-handler").is_none());
        }
    }
    routes.sort();
    assert_eq!(
        routes,
        [
            "GET /getRecommendations",
            "GET /recommendations",
            "GET /recommendations/also-viewed",
            "GET /recommendations/because-you-watched",
            "GET /recommendations/bought-together",
            "GET /recommendations/more-like",
            "POST /data",
            "POST /events"
        ]
    );
    let validators = &body["x-amazon-apigateway-request-validators"]["all"];
    assert_eq!(validators["validateRequestBody"], true);
    assert_eq!(validators["validateRequestParameters"], true);
    assert_eq!(
        body["components"]["securitySchemes"]["api_key"]["name"],
        "x-api-key"
    );
    let cognito = &body["components"]["securitySchemes"]["cognito"];
    assert_eq!(
        cognito["x-amazon-apigateway-authtype"],
        "cognito_user_pools"
    );
    assert_eq!(
        cognito["x-amazon-apigateway-authorizer"]["providerARNs"],
        serde_json::json!([POOL])
    );
    // A refused token answers in the API's error shape, naming the header.
    let unauthorized = body["x-amazon-apigateway-gateway-responses"]["UNAUTHORIZED"]
        ["responseTemplates"]["application/json"]
        .as_str()
        .unwrap();
    assert!(
        unauthorized.contains("\"field\":\"Authorization\""),
        "{unauthorized}"
    );
    assert!(body.get("servers").is_none());
    // API Gateway's own errors keep the API's error shape.
    let template = body["x-amazon-apigateway-gateway-responses"]["BAD_REQUEST_BODY"]
        ["responseTemplates"]["application/json"]
        .as_str()
        .unwrap();
    assert!(template.contains("\"message\"") && template.contains("\"field\":\"body\""));

    let mut from_output: Vec<String> = applied
        .routes
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap(),
                r["handler"].as_str().unwrap()
            )
        })
        .collect();
    from_output.sort();
    assert_eq!(
        from_output,
        [
            "GET /getRecommendations recommend",
            "GET /recommendations recommend",
            "GET /recommendations/also-viewed recommend",
            "GET /recommendations/because-you-watched recommend",
            "GET /recommendations/bought-together recommend",
            "GET /recommendations/more-like recommend",
            "POST /data collect",
            "POST /events collect"
        ]
    );
}

#[test]
fn cors_adds_an_unauthenticated_mock_preflight_to_every_path_and_the_origin_to_gateway_errors() {
    let cognito = format!(
        "cognito_user_pool_arns = [\"{POOL}\"]\napi_key_required = true\ninclude_seed_routes = true"
    );
    let plain = apply_with(&both_handlers(), "COGNITO", &cognito).unwrap();
    for (path, methods) in plain.body["paths"].as_object().unwrap() {
        assert!(
            methods.get("options").is_none(),
            "{path}: OPTIONS without CORS"
        );
    }
    let applied = apply_with(
        &both_handlers(),
        "COGNITO",
        &format!("{cognito}\ncors_allow_origin = \"https://shop.example.com\""),
    )
    .unwrap();
    let paths = applied.body["paths"].as_object().unwrap();
    // Every route's path: the seed routes and the four item-to-item routes included.
    assert_eq!(paths.len(), 8);
    for (path, methods) in paths {
        let options = &methods["options"];
        // No key, no signature: a browser sends no credentials with a preflight.
        assert_eq!(options["security"], serde_json::json!([]), "{path}");
        let integration = &options["x-amazon-apigateway-integration"];
        assert_eq!(integration["type"], "mock", "{path}");
        let headers = &integration["responses"]["default"]["responseParameters"];
        assert_eq!(
            headers["method.response.header.Access-Control-Allow-Origin"],
            "'https://shop.example.com'"
        );
        let method = methods
            .as_object()
            .unwrap()
            .keys()
            .find(|m| *m != "options")
            .unwrap()
            .to_uppercase();
        assert_eq!(
            headers["method.response.header.Access-Control-Allow-Methods"],
            format!("'{method},OPTIONS'"),
            "{path}"
        );
        assert!(
            headers["method.response.header.Access-Control-Allow-Headers"]
                .as_str()
                .unwrap()
                .contains("Authorization")
        );
        // Every response parameter is declared on the method response, or API Gateway refuses it.
        let declared = options["responses"]["200"]["headers"].as_object().unwrap();
        for name in headers.as_object().unwrap().keys() {
            let header = name.trim_start_matches("method.response.header.");
            assert!(declared.contains_key(header), "{path}: {header} undeclared");
        }
    }
    // The routes (and so the Lambda permissions) are unchanged: OPTIONS never reaches a Lambda.
    assert_eq!(applied.routes, plain.routes);
    for kind in [
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "BAD_REQUEST_BODY",
        "UNAUTHORIZED",
        "MISSING_AUTHENTICATION_TOKEN",
    ] {
        assert_eq!(
            applied.body["x-amazon-apigateway-gateway-responses"][kind]["responseParameters"]
                ["gatewayresponse.header.Access-Control-Allow-Origin"],
            "'https://shop.example.com'",
            "{kind}"
        );
    }
    for bad in [
        "https://shop.example.com/path",
        "shop.example.com",
        "ftp://shop.example.com",
        "https://user@shop.example.com",
        "https://shop.example.com:123456",
        "",
    ] {
        let err = apply_with(
            &both_handlers(),
            "COGNITO",
            &format!("{cognito}\ncors_allow_origin = \"{bad}\""),
        )
        .unwrap_err();
        assert!(err.contains("cors_allow_origin must be"), "{bad:?}: {err}");
    }
}

#[test]
fn iam_auth_uses_sigv4_on_every_route() {
    let applied = apply(&both_handlers(), "IAM").unwrap();
    let scheme = &applied.body["components"]["securitySchemes"]["sigv4"];
    assert_eq!(scheme["x-amazon-apigateway-authtype"], "awsSigv4");
    for methods in applied.body["paths"].as_object().unwrap().values() {
        for op in methods.as_object().unwrap().values() {
            assert_eq!(op["security"], serde_json::json!([{ "sigv4": [] }]));
        }
    }
}

#[test]
fn seed_routes_are_left_out_unless_asked_for_and_jwt_uses_the_lambda_authorizer() {
    let authorizer = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:jwt/invocations";
    let applied = apply_with(
        &both_handlers(),
        "JWT",
        &format!("jwt_authorizer_uri = \"{authorizer}\""),
    )
    .unwrap();
    let mut paths: Vec<&String> = applied.body["paths"].as_object().unwrap().keys().collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/events",
            "/recommendations",
            "/recommendations/also-viewed",
            "/recommendations/because-you-watched",
            "/recommendations/bought-together",
            "/recommendations/more-like"
        ]
    );
    assert_eq!(applied.routes.as_array().unwrap().len(), 6);
    let jwt = &applied.body["components"]["securitySchemes"]["jwt"];
    assert_eq!(jwt["x-amazon-apigateway-authorizer"]["type"], "token");
    assert_eq!(
        jwt["x-amazon-apigateway-authorizer"]["authorizerUri"],
        authorizer
    );
    for methods in applied.body["paths"].as_object().unwrap().values() {
        for op in methods.as_object().unwrap().values() {
            assert_eq!(op["security"], serde_json::json!([{ "jwt": [] }]));
        }
    }
}

#[test]
fn a_handler_missing_from_the_map_is_refused_at_plan_time() {
    let err = apply(&format!("{{ collect = \"{COLLECT}\" }}"), "IAM")
        .expect_err("apply must fail without the recommend handler");
    assert!(err.contains("not in var.handlers: recommend"), "{err}");
}

#[test]
fn bad_inputs_are_refused_with_the_reason() {
    let err = apply(&both_handlers(), "OPEN").expect_err("an unknown authorization must fail");
    assert!(
        err.contains("authorization must be COGNITO, JWT or IAM"),
        "{err}"
    );
    let err = apply(&both_handlers(), "API_KEY").expect_err("an API key is no authorization");
    assert!(err.contains("API keys only meter usage"), "{err}");
    let err = apply(&both_handlers(), "COGNITO").expect_err("COGNITO without a pool must fail");
    assert!(err.contains("needs the user pool ARNs"), "{err}");
    let err = apply_with(
        &both_handlers(),
        "COGNITO",
        "cognito_user_pool_arns = [\"arn:aws:iam::1:role/x\"]",
    )
    .expect_err("a role is not a pool");
    assert!(err.contains("Cognito user pool ARN"), "{err}");
    let err = apply(&both_handlers(), "JWT").expect_err("JWT without an authorizer must fail");
    assert!(err.contains("jwt_authorizer_uri"), "{err}");
    let err = apply(
        &format!("{{ collect = \"arn:aws:lambda:us-east-1:1:function:x\", recommend = \"{RECOMMEND}\" }}"),
        "IAM",
    )
    .expect_err("a function ARN is not an invoke ARN");
    assert!(err.contains("Lambda invoke ARN"), "{err}");
}

#[test]
fn the_document_has_exactly_the_routes_of_the_design_each_with_a_known_handler() {
    let document = testkit::openapi::document().unwrap();
    let mut all = Vec::new();
    for (path, methods) in document["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let handler = operation["x-personalize-realtime-handler"].as_str();
            assert!(
                matches!(handler, Some("collect" | "recommend")),
                "{method} {path}: handler {handler:?}"
            );
            all.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    all.sort();
    // DESIGN.md, "REST API".
    assert_eq!(
        all,
        [
            "GET /getRecommendations",
            "GET /recommendations",
            "GET /recommendations/also-viewed",
            "GET /recommendations/because-you-watched",
            "GET /recommendations/bought-together",
            "GET /recommendations/more-like",
            "POST /data",
            "POST /events"
        ]
    );
}

/// Errors of `instance` against `components/schemas/<schema>` of the document (OpenAPI 3.0
/// semantics, as API Gateway's request validation applies them); empty when valid.
fn schema_errors(schema: &str, instance: &Value) -> Vec<String> {
    let venv = python::venv().unwrap();
    let script = "import json, sys, yaml\n\
        from openapi_schema_validator import OAS30Validator\n\
        doc = yaml.safe_load(open(sys.argv[1]))\n\
        root = {'$ref': '#/components/schemas/' + sys.argv[2], 'components': doc['components']}\n\
        errors = [e.message for e in OAS30Validator(root).iter_errors(json.loads(sys.argv[3]))]\n\
        print(json.dumps(errors))";
    let out = venv
        .python_command()
        .args(["-c", script])
        .arg(paths::project_file("api/openapi.yaml"))
        .arg(schema)
        .arg(instance.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_gateway_accepts_what_the_lambdas_accept() {
    use serde_json::json;
    // The Lambda fixture's body, and the walkthrough's calls of examples/movies/README.md.
    let fixture: Value = serde_json::from_str(
        &fs::read_to_string(paths::project_file(
            "lambdas/common/tests/data/apigw_v1_events.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let body: Value = serde_json::from_str(fixture["body"].as_str().unwrap()).unwrap();
    for (schema, instance) in [
        ("EventsRequest", body),
        (
            "EventsRequest",
            json!({"userId": "429", "sessionId": "s-1", "events": [
                {"eventType": "watch", "itemId": "185"},
                {"eventType": "click", "sentAt": "2024-01-01T00:00:00Z", "eventValue": 4.5,
                 "properties": {"device": "tv"}, "impression": ["1", "2"], "recommendationId": "r1", "eventId": "e1"}
            ]}),
        ),
        (
            "SeedDataRequest",
            json!({"stream-name": "movies-events", "PartitionKey": "429", "Data": {
                "userId": "429", "itemId": "185", "eventType": "watch", "interactions": "20",
                "dateFrom": "2024-01-01", "dateTo": "2024-01-31"}}),
        ),
        (
            "SeedDataRequest",
            json!({"Data": {"userId": 429, "itemId": 185, "eventType": "watch", "interactions": 3,
                "trackingId": "t", "dateFrom": "2024-01-01T00:00:00Z", "dateTo": "2024-01-02"}}),
        ),
    ] {
        let errors = schema_errors(schema, &instance);
        assert!(errors.is_empty(), "{schema} refuses {instance}: {errors:?}");
    }
}

#[test]
fn the_gateway_refuses_what_is_malformed_for_sure() {
    use serde_json::json;
    for (schema, instance, why) in [
        (
            "EventsRequest",
            json!({"userId": "429", "sessionId": "s", "events": []}),
            "[] should be non-empty",
        ),
        (
            "EventsRequest",
            json!({"userId": "u", "events": [{"eventType": "w"}]}),
            "'sessionId' is a required property",
        ),
        (
            "EventsRequest",
            json!({"userId": "", "sessionId": "s", "events": [{"eventType": "w"}]}),
            "should be non-empty",
        ),
        (
            "EventsRequest",
            json!({"userId": "u", "sessionId": "s", "events": [{"eventType": "w", "colour": 1}]}),
            "Additional properties are not allowed",
        ),
        (
            "EventsRequest",
            json!({"userId": "u".repeat(257), "sessionId": "s", "events": [{"eventType": "w"}]}),
            "is too long",
        ),
        (
            "SeedDataRequest",
            json!({"Data": {"userId": "1", "itemId": "2", "eventType": "w", "interactions": "50000", "dateFrom": "a", "dateTo": "b"}}),
            "is not valid under any of the given schemas",
        ),
        (
            "SeedDataRequest",
            json!({"Data": {"userId": "1"}}),
            "'itemId' is a required property",
        ),
    ] {
        let errors = schema_errors(schema, &instance);
        assert!(
            errors.iter().any(|e| e.contains(why)),
            "{schema} {instance}: {errors:?}, wanted {why:?}"
        );
    }
}
